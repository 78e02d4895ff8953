package bot

import (
	"errors"
	"strings"
	"testing"
)

func TestEvent_Check(t *testing.T) {
	reaction := func(change func(*Event)) *Event {
		ev := &Event{ID: "Ev1", Kind: ReactionAdded, Community: CommunityRef{Platform: Slack, ExternalID: "T1"},
			User: User{ID: "U2"}, Emoji: "bulb", Channel: Channel{ID: "C1"}, Message: MessageRef{ID: "1.2", Author: User{ID: "U1"}}}
		if change != nil {
			change(ev)
		}
		return ev
	}
	tests := []struct {
		name    string
		ev      *Event
		wantErr string // "" for none; "text" for ErrNotText
	}{
		{"Reaction", reaction(nil), ""},
		{"WithoutID", reaction(func(e *Event) { e.ID = "" }), "without id"},
		{"WithoutCommunity", reaction(func(e *Event) { e.Community.ExternalID = "" }), "without community"},
		{"ReactionWithoutMessageOrUser", reaction(func(e *Event) { e.Message.ID, e.User.ID = "", "" }), "without user, message"},
		{"CommandWithoutUser", &Event{ID: "c", Kind: Command, Community: CommunityRef{ExternalID: "T1"}}, "without user"},
		{"JoinWithoutUser", &Event{ID: "j", Kind: MemberJoined, Community: CommunityRef{ExternalID: "T1"}}, "without user"},
		{"EditWithoutMessage", &Event{ID: "e", Kind: MessageEdited, Community: CommunityRef{ExternalID: "T1"}}, "without message"},
		{"DeletionWithoutText", &Event{ID: "d", Kind: MessageDeleted, Community: CommunityRef{ExternalID: "T1"}, Message: MessageRef{ID: "1"}}, ""},
		{"UnknownKind", &Event{ID: "x", Kind: 99, Community: CommunityRef{ExternalID: "T1"}}, "unknown kind"},
		{"NULInText", &Event{ID: "c", Kind: Command, Community: CommunityRef{ExternalID: "T1"}, User: User{ID: "U1"}, Text: "save a\x00b"}, "text"},
		{"InvalidUTF8InName", reaction(func(e *Event) { e.Message.Author.Name = "Ad\xffa" }), "text"},
		{"NULInMessageText", reaction(func(e *Event) { e.Message.Text = "\x00" }), "text"},
		{"UnicodeIsText", reaction(func(e *Event) { e.Message.Text = "💡 naïve “quotes” \u200b" }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ev.Check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check() = %v, want nil", err)
			case tt.wantErr == "text" && !errors.Is(err, ErrNotText):
				t.Errorf("Check() = %v, want ErrNotText", err)
			case tt.wantErr != "" && tt.wantErr != "text" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check() = %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}
