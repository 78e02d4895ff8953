package bot

import "strings"

// A community can span workspaces (a Slack workspace and a Discord server,
// say): each workspace is one of its sides. The ids a platform gives (of
// people, channels, messages) are unique within a workspace only, so the
// core keeps those of every side but the community's own workspace
// qualified by their workspace: "~discord:81384788765712384:80351110224678912".
// Ids of the community's own workspace stay as the platform gave them, so
// linking changes nothing that was stored before.

// qualifiedMark starts a qualified id; no platform id starts with it.
const qualifiedMark = "~"

// Qualify returns id qualified by the workspace of r. An empty id stays
// empty, and an id qualified already is returned as it is.
func (r CommunityRef) Qualify(id string) string {
	if id == "" || strings.HasPrefix(id, qualifiedMark) {
		return id
	}
	return qualifiedMark + string(r.Platform) + ":" + r.ExternalID + ":" + id
}

// Unqualify splits a qualified id into its workspace and the id the platform
// knows; an id that is not qualified belongs to home. The workspace returned
// has no community name: adapters address workspaces.
func Unqualify(home CommunityRef, id string) (CommunityRef, string) {
	rest, ok := strings.CutPrefix(id, qualifiedMark)
	if !ok {
		return home, id
	}
	platform, rest, ok1 := strings.Cut(rest, ":")
	workspace, raw, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 {
		return home, id
	}
	return CommunityRef{Platform: Platform(platform), ExternalID: workspace}, raw
}

// SameWorkspace reports whether a and b name one workspace, whatever the
// communities within it.
func SameWorkspace(a, b CommunityRef) bool {
	return a.Platform == b.Platform && a.ExternalID == b.ExternalID
}
