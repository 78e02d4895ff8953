package bot

import (
	"fmt"
	"strings"
)

// Platform names a chat platform copbot speaks to.
type Platform string

// The platforms copbot has adapters for.
const (
	Slack   Platform = "slack"
	Discord Platform = "discord"
	Console Platform = "console"
)

// ConsoleCommunityID is the external id of the console's first workspace.
// The console's other workspaces (its /workspace line) are named by the
// person: their external id is that name.
const ConsoleCommunityID = "console"

// CommunityRef names a community the way the platform does: a Slack team id,
// a Discord guild id, or a console workspace. Its text form, used on the
// command line, is "slack:T0123", "discord:81384788765712384", "console" for
// the console's first workspace or "console:north" for another.
type CommunityRef struct {
	Platform   Platform
	ExternalID string
	// Name is the community within the workspace, "" for its default one.
	// Adapters address the workspace and ignore it; the core writes the
	// commands of a named community's notices for it ("/cop in <name> …").
	Name string
}

// String gives the command-line form of the reference.
func (r CommunityRef) String() string {
	s := string(r.Platform) + ":" + r.ExternalID
	if r.Platform == Console && (r.ExternalID == ConsoleCommunityID || r.ExternalID == "") {
		s = string(Console)
	}
	if r.Name != "" {
		s += "/" + r.Name
	}
	return s
}

// ParseCommunity reads a community's command-line name: its workspace as
// ParseCommunityRef reads it, then "/name" for a community other than the
// workspace's default one (slack:T0123/frontend, console/frontend,
// console:north/frontend).
func ParseCommunity(s string) (CommunityRef, string, error) {
	ws, name, named := strings.Cut(s, "/")
	ref, err := ParseCommunityRef(ws)
	if err == nil && named && name == "" {
		err = fmt.Errorf("community %q: a name follows the /", s)
	}
	return ref, name, err
}

// ParseCommunityRef reads the command-line form written by String.
// "console:console" is the console's first workspace too, written "console".
func ParseCommunityRef(s string) (CommunityRef, error) {
	if s == string(Console) {
		return CommunityRef{Platform: Console, ExternalID: ConsoleCommunityID}, nil
	}
	platform, id, ok := strings.Cut(s, ":")
	if ok && id != "" && (Platform(platform) == Slack || Platform(platform) == Discord || Platform(platform) == Console) {
		return CommunityRef{Platform: Platform(platform), ExternalID: id}, nil
	}
	return CommunityRef{}, fmt.Errorf("community %q: want slack:<team id>, discord:<guild id>, console or console:<workspace>", s)
}
