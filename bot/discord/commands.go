package discord

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// The /cop application command mirrors the text grammar: one subcommand
// (or group of subcommands) per family with the same names, and typed
// options. An interaction's options are written back into the text form
// (commandText), so the core parses Discord commands like any other.

// param is one option and how its value enters the command text.
type param struct {
	name, desc string
	typ        discordgo.ApplicationCommandOptionType
	required   bool
	choices    []string
	// form writes the value: as typed, as #tags, "key:value", "word value"
	// or as a quoted string.
	form  form
	label string // the key or the word before the value
}

type form int

const (
	asTyped form = iota
	asTags
	asKeyed        // label:value
	asWorded       // label value
	asQuoted       // "value"
	asWordedQuoted // label "value"
	asTagOrNone    // #value, or "tag none" for none
)

type sub struct {
	name, desc string
	params     []param
}

type family struct {
	sub
	subs []sub // a group when set
}

var (
	tipParam  = param{name: "tip", desc: "The tip's number", typ: discordgo.ApplicationCommandOptionInteger, required: true}
	tagsParam = param{name: "tags", desc: "Tags, e.g. testing ci", typ: discordgo.ApplicationCommandOptionString, required: true, form: asTags}
	pageParam = param{name: "page", desc: "Page number", typ: discordgo.ApplicationCommandOptionInteger, form: asKeyed, label: "page"}
	objParam  = param{name: "objective", desc: "The objective's number", typ: discordgo.ApplicationCommandOptionInteger, required: true}
	userParam = param{name: "user", desc: "The member", typ: discordgo.ApplicationCommandOptionUser, required: true}
	pairParam = param{name: "pairing", desc: "The pairing's number", typ: discordgo.ApplicationCommandOptionInteger, required: true}
	cadence   = param{name: "cadence", desc: "How often copbot asks for a check-in", typ: discordgo.ApplicationCommandOptionString,
		choices: []string{"weekly", "biweekly", "monthly"}, form: asWorded, label: "cadence"}
	owner = param{name: "owner", desc: "Who checks in", typ: discordgo.ApplicationCommandOptionUser, form: asWorded, label: "owner"}
)

// offerParam is the number of a tip a partner community offered.
var offerParam = param{name: "offer", desc: "The offer's number", typ: discordgo.ApplicationCommandOptionInteger, required: true}

func str(name, desc string, required bool, f form, label string) param {
	return param{name: name, desc: desc, typ: discordgo.ApplicationCommandOptionString, required: required, form: f, label: label}
}

// families is the /cop tree, in the order Discord shows it.
var families = []family{
	{sub: sub{"help", "What copbot can do, or one command explained", []param{str("topic", "A command, e.g. search", false, asTyped, "")}}},
	{sub: sub{"save", "Save a tip directly; #hashtags become its tags", []param{str("text", "The tip, e.g. Quarantine flaky tests #testing", true, asTyped, "")}}},
	{sub: sub{"search", "Find tips, best first", []param{
		str("query", `Words to find; "quoted phrases", -excluded`, false, asTyped, ""),
		{name: "tag", desc: "Only tips with this tag", typ: discordgo.ApplicationCommandOptionString, form: asTags},
		{name: "from", desc: "Only tips by this member", typ: discordgo.ApplicationCommandOptionUser, form: asKeyed, label: "from"},
		{name: "in", desc: "partners: search the partner communities too", typ: discordgo.ApplicationCommandOptionString,
			choices: []string{"partners"}, form: asKeyed, label: "in"},
		pageParam,
	}}},
	{sub: sub{"tips", "Browse the practice repository", []param{
		{name: "order", desc: "Best or newest first, your own, or removed ones (facilitators)", typ: discordgo.ApplicationCommandOptionString, choices: []string{"top", "recent", "mine", "removed"}},
		{name: "tag", desc: "Only tips with this tag", typ: discordgo.ApplicationCommandOptionString, form: asTags},
		pageParam,
	}}},
	{sub: sub{"tag", "Add tags to a tip", []param{tipParam, tagsParam}}},
	{sub: sub{"untag", "Take tags off a tip", []param{tipParam, tagsParam}}},
	{sub: sub{"remove", "Take a tip out of the repository", []param{tipParam}}},
	{sub: sub{"restore", "Bring back a removed tip", []param{tipParam}}},
	{sub: sub{"notes", "Private notes about your tips: on or off", []param{
		{name: "state", desc: "on or off", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"on", "off"}},
	}}},
	{sub: sub{"mentor", "Mentoring: offer help or ask for a mentor", nil}, subs: []sub{
		{"offer", "Offer to mentor", []param{
			str("topics", "What you can help with", true, asTyped, ""),
			{name: "capacity", desc: "How many mentees at once", typ: discordgo.ApplicationCommandOptionInteger, form: asWorded, label: "capacity"},
		}},
		{"request", "Ask for a mentor", []param{str("topics", "What you want to learn", true, asTyped, "")}},
		{"pause", "Take no new mentees for now", []param{str("until", "Until a day, YYYY-MM-DD", false, asWorded, "until")}},
		{"resume", "Take mentees again", nil},
		{"status", "Your offers, requests and pairings", nil},
		{"accept", "Accept a pairing you were introduced to", []param{pairParam}},
		{"decline", "Decline a pairing you were introduced to", []param{pairParam}},
		{"end", "End a pairing, or give feedback for 14 days after", []param{
			{name: "pairing", desc: "The pairing's number", typ: discordgo.ApplicationCommandOptionInteger},
			{name: "confirm", desc: "confirm: end it now", typ: discordgo.ApplicationCommandOptionString, choices: []string{"confirm"}},
			str("feedback", "How it went", false, asTyped, ""),
			{name: "rating", desc: "From 1 to 5", typ: discordgo.ApplicationCommandOptionInteger, form: asWorded, label: "rating"},
		}},
		{"feedback", "Mentoring feedback and ratings (facilitators)", nil},
		{"list", "All pairings (facilitators)", nil},
		{"pair", "Pair two members by hand (facilitators)", []param{
			{name: "mentor", desc: "The mentor", typ: discordgo.ApplicationCommandOptionUser, required: true},
			{name: "mentee", desc: "The mentee", typ: discordgo.ApplicationCommandOptionUser, required: true},
			str("topics", "What they will work on", false, asTyped, ""),
		}},
		{"invitation", "Answer copbot's invitation to mentor", []param{
			{name: "answer", desc: "decline: no more invitations", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"decline"}},
		}},
	}},
	{sub: sub{"objective", "The community's objectives", nil}, subs: []sub{
		{"add", "Set an objective", []param{
			str("title", "What the community aims for", true, asQuoted, ""),
			{name: "target", desc: "The number to reach", typ: discordgo.ApplicationCommandOptionNumber, required: true, form: asWorded, label: "target"},
			str("due", "Due date, YYYY-MM-DD", true, asWorded, "due"),
			str("unit", "What is counted, e.g. talks", false, asWorded, "unit"),
			{name: "tag", desc: "A tag for the objective", typ: discordgo.ApplicationCommandOptionString, form: asTags},
			owner, cadence,
		}},
		{"list", "The objectives", nil},
		{"show", "One objective's progress", []param{objParam}},
		{"edit", "Change an objective; its history stays", []param{
			objParam,
			str("title", "A new title", false, asWordedQuoted, "title"),
			{name: "target", desc: "A new target", typ: discordgo.ApplicationCommandOptionNumber, form: asWorded, label: "target"},
			str("unit", "A new unit", false, asWorded, "unit"),
			str("due", "A new due date, YYYY-MM-DD", false, asWorded, "due"),
			{name: "tag", desc: "A new tag, or none to remove it", typ: discordgo.ApplicationCommandOptionString, form: asTagOrNone},
			owner, cadence,
		}},
		{"close", "Close an objective", []param{objParam,
			{name: "outcome", desc: "achieved or dropped", typ: discordgo.ApplicationCommandOptionString, choices: []string{"achieved", "dropped"}}}},
		{"reopen", "Reopen a closed objective", []param{objParam}},
		{"pause", "No reminders until a day (holidays)", []param{objParam, str("until", "Until a day, YYYY-MM-DD", true, asWorded, "until")}},
		{"resume", "Reminders again", []param{objParam}},
	}},
	{sub: sub{"checkin", "Record progress on an objective", []param{
		objParam,
		str("value", "The new value, or +N to add", true, asTyped, ""),
		str("note", "What happened", false, asTyped, ""),
	}}},
	{sub: sub{"stats", "The community's pulse (facilitators)", []param{
		{name: "period", desc: "The last 7, 30 (default) or 90 days", typ: discordgo.ApplicationCommandOptionString, choices: []string{"7d", "30d", "90d"}},
		{name: "members", desc: "all: count facilitators as members too", typ: discordgo.ApplicationCommandOptionString, choices: []string{"all"}},
	}}},
	{sub: sub{"digest", "The weekly digest (facilitators)", nil}, subs: []sub{
		{"preview", "What the digest would post now", nil},
	}},
	{sub: sub{"story", "Tell in one line how the community changed how you work", []param{
		str("text", "Your story, or skip to decline copbot's question", true, asTyped, ""),
	}}},
	{sub: sub{"stories", "The stories members told (facilitators)", nil}},
	{sub: sub{"facilitator", "Who looks after the community", nil}, subs: []sub{
		{"add", "Make a member a facilitator", []param{userParam}},
		{"remove", "Stop a member being a facilitator", []param{userParam}},
		{"list", "The facilitators", nil},
	}},
	{sub: sub{"config", "Settings, e.g. save-emoji; exclude or allow a channel", []param{
		str("key", "A setting (save-emoji) or exclude, include, allow", false, asTyped, ""),
		str("value", "The new value", false, asTyped, ""),
		{name: "channel", desc: "The channel to exclude, include or allow", typ: discordgo.ApplicationCommandOptionChannel},
	}}},
	{sub: sub{"community", "The communities of this server and their home channels", nil}, subs: []sub{
		{"show", "Which community this channel belongs to, and all of them", nil},
		{"create", "Create a community with its home channels", []param{
			str("name", "One word, e.g. frontend", true, asTyped, ""),
			{name: "channel", desc: "A home channel", typ: discordgo.ApplicationCommandOptionChannel, required: true},
			{name: "channel2", desc: "Another home channel", typ: discordgo.ApplicationCommandOptionChannel},
			{name: "channel3", desc: "Another home channel", typ: discordgo.ApplicationCommandOptionChannel},
		}},
		{"channels", "Add or remove home channels (facilitators)", []param{
			{name: "action", desc: "add or remove", typ: discordgo.ApplicationCommandOptionString, required: true, choices: []string{"add", "remove"}},
			{name: "channel", desc: "The channel", typ: discordgo.ApplicationCommandOptionChannel, required: true},
			{name: "channel2", desc: "Another channel", typ: discordgo.ApplicationCommandOptionChannel},
		}},
		{"join", "Become a member of a community", []param{str("name", "The community", true, asTyped, "")}},
		{"rename", "Rename this channel's community (facilitators)", []param{str("name", "The new name, one word", true, asTyped, "")}},
		{"archive", "Archive this channel's community (facilitators)", []param{
			{name: "confirm", desc: "confirm: archive it now", typ: discordgo.ApplicationCommandOptionString, choices: []string{"confirm"}},
		}},
	}},
	{sub: sub{"partner", "Partner communities, which search and share each other's tips (facilitators)", nil}, subs: []sub{
		{"list", "Partners, and offers of partnership made and received", nil},
		{"add", "Offer a partnership, or accept one", []param{str("community", "A name here, or slack:T0123/name elsewhere", true, asTyped, "")}},
		{"remove", "End a partnership, for both sides", []param{str("community", "The partner community", true, asTyped, "")}},
	}},
	{sub: sub{"share", "Offer a tip to a partner community; answer offers", nil}, subs: []sub{
		{"offer", "Offer a tip to a partner community", []param{tipParam, str("community", "The partner community", true, asTyped, "")}},
		{"list", "Offers waiting for an answer, and those made from here", nil},
		{"accept", "Add an offered tip to the repository (facilitators)", []param{offerParam}},
		{"decline", "Decline an offered tip (facilitators)", []param{offerParam}},
	}},
	{sub: sub{"in", "Run a command in a community you name", []param{
		str("community", "The community, or default", true, asTyped, ""),
		str("command", "The command, e.g. tips recent", true, asTyped, ""),
	}}},
	{sub: sub{"link", "One community across workspaces: get a code, or type the other side's", []param{
		str("code", "The other side's code; or me, or me and your own code", false, asTyped, ""),
	}}},
	{sub: sub{"unlink", "Split a linked community again (facilitators)", []param{
		str("community", "The linked workspace to split off, when there are several", false, asTyped, ""),
	}}},
}

// Commands is the application command copbot registers: /cop.
func Commands() []*discordgo.ApplicationCommand {
	noDM := false
	cop := &discordgo.ApplicationCommand{Name: "cop", Description: "copbot: the community's tips, mentoring and objectives",
		Type: discordgo.ChatApplicationCommand, DMPermission: &noDM}
	for _, f := range families {
		if f.subs == nil {
			cop.Options = append(cop.Options, f.option(discordgo.ApplicationCommandOptionSubCommand))
			continue
		}
		group := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: f.name, Description: f.desc}
		for _, s := range f.subs {
			group.Options = append(group.Options, s.option(discordgo.ApplicationCommandOptionSubCommand))
		}
		cop.Options = append(cop.Options, group)
	}
	return []*discordgo.ApplicationCommand{cop}
}

func (s sub) option(t discordgo.ApplicationCommandOptionType) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{Type: t, Name: s.name, Description: s.desc}
	for _, p := range s.params {
		po := &discordgo.ApplicationCommandOption{Type: p.typ, Name: p.name, Description: p.desc, Required: p.required}
		for _, c := range p.choices {
			po.Choices = append(po.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
		}
		if p.typ == discordgo.ApplicationCommandOptionChannel {
			po.ChannelTypes = []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildForum}
		}
		o.Options = append(o.Options, po)
	}
	return o
}

// commandText writes a /cop interaction back as the text after "/cop", the
// options in the grammar's order whatever order they came in.
func commandText(data discordgo.ApplicationCommandInteractionData) (string, error) {
	if len(data.Options) != 1 || data.Options[0] == nil {
		return "", fmt.Errorf("/%s came with %d subcommands, want 1", data.Name, len(data.Options))
	}
	top := data.Options[0]
	words := []string{top.Name}
	s, opts := findSub(top.Name, "", families), top.Options
	if top.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
		if len(top.Options) != 1 || top.Options[0] == nil {
			return "", fmt.Errorf("/%s %s came with %d subcommands, want 1", data.Name, top.Name, len(top.Options))
		}
		words = append(words, top.Options[0].Name)
		s, opts = findSub(top.Name, top.Options[0].Name, families), top.Options[0].Options
	}
	given := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	for _, o := range opts {
		if o == nil {
			return "", fmt.Errorf("/%s %s came with a null option", data.Name, strings.Join(words, " "))
		}
		given[o.Name] = o
	}
	var params []param
	if s != nil {
		params = s.params
	}
	for _, p := range params {
		if o := given[p.name]; o != nil {
			words = append(words, p.write(value(o)))
			delete(given, p.name)
		}
	}
	for _, o := range opts { // options a newer registration has and this copbot does not know
		if given[o.Name] != nil {
			words = append(words, value(o))
		}
	}
	return strings.Join(nonEmpty(words), " "), nil
}

func findSub(family, name string, fs []family) *sub {
	for _, f := range fs {
		if f.name != family {
			continue
		}
		if name == "" {
			return &f.sub
		}
		for _, s := range f.subs {
			if s.name == name {
				return &s
			}
		}
	}
	return nil
}

// value is an option's value as command text: users and channels as the
// mentions the parser reads, numbers without exponents.
func value(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		switch o.Type {
		case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionMentionable:
			return "<@" + v + ">"
		case discordgo.ApplicationCommandOptionChannel:
			return "<#" + v + ">"
		}
		return strings.TrimSpace(v)
	case float64:
		if o.Type == discordgo.ApplicationCommandOptionInteger {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(o.Value)
}

func (p param) write(v string) string {
	switch p.form {
	case asTags:
		var tags []string
		for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
			tags = append(tags, "#"+strings.TrimLeft(t, "#"))
		}
		return strings.Join(tags, " ")
	case asTagOrNone:
		if strings.EqualFold(v, "none") {
			return "tag none"
		}
		return "#" + strings.TrimLeft(v, "#")
	case asKeyed:
		return p.label + ":" + v
	case asWorded:
		return p.label + " " + v
	case asQuoted, asWordedQuoted:
		// The grammar has no escape for a quote inside quotes; a single one
		// keeps the meaning.
		q := `"` + strings.NewReplacer(`"`, "'", "“", "'", "”", "'", "„", "'").Replace(v) + `"`
		if p.form == asWordedQuoted {
			return p.label + " " + q
		}
		return q
	}
	return v
}

func nonEmpty(words []string) []string {
	out := words[:0]
	for _, w := range words {
		if strings.TrimSpace(w) != "" {
			out = append(out, w)
		}
	}
	return out
}
