package bot

import "testing"

// TestParseCommunity: every community's command-line name reads back as the
// community String writes it, the console's other workspaces included, so
// that copbot export and import can name them.
func TestParseCommunity(t *testing.T) {
	tests := []struct {
		text string
		ref  CommunityRef
	}{
		{"slack:T0123", CommunityRef{Platform: Slack, ExternalID: "T0123"}},
		{"slack:T0123/frontend", CommunityRef{Platform: Slack, ExternalID: "T0123", Name: "frontend"}},
		{"discord:81384788765712384", CommunityRef{Platform: Discord, ExternalID: "81384788765712384"}},
		{"discord:81384788765712384/security", CommunityRef{Platform: Discord, ExternalID: "81384788765712384", Name: "security"}},
		{"console", CommunityRef{Platform: Console, ExternalID: ConsoleCommunityID}},
		{"console/frontend", CommunityRef{Platform: Console, ExternalID: ConsoleCommunityID, Name: "frontend"}},
		{"console:north", CommunityRef{Platform: Console, ExternalID: "north"}},
		{"console:north/frontend", CommunityRef{Platform: Console, ExternalID: "north", Name: "frontend"}},
		{"console:south-2.eu_x", CommunityRef{Platform: Console, ExternalID: "south-2.eu_x"}},
	}
	for _, tt := range tests {
		ref, name, err := ParseCommunity(tt.text)
		ref.Name = name
		if err != nil || ref != tt.ref {
			t.Errorf("ParseCommunity(%q) = %#v, %v; want %#v", tt.text, ref, err, tt.ref)
		}
		if got := tt.ref.String(); got != tt.text {
			t.Errorf("%#v.String() = %q, want %q", tt.ref, got, tt.text)
		}
	}
}

// TestParseCommunity_FirstConsoleWorkspace: the console's first workspace
// is written "console" whichever way it was named.
func TestParseCommunity_FirstConsoleWorkspace(t *testing.T) {
	for _, s := range []string{"console", "console:console"} {
		ref, err := ParseCommunityRef(s)
		if err != nil || ref != (CommunityRef{Platform: Console, ExternalID: ConsoleCommunityID}) || ref.String() != "console" {
			t.Errorf("ParseCommunityRef(%q) = %#v (%q), %v; want the first console workspace, written console", s, ref, ref.String(), err)
		}
	}
	if s := (CommunityRef{Platform: Console}).String(); s != "console" {
		t.Errorf("a console reference without an id is written %q, want console", s)
	}
}

func TestParseCommunity_Refused(t *testing.T) {
	for _, s := range []string{"", "slack:", "teams:1", "T0123", "console:", "north", "Console", "console:north/", "slack:T0123/", ":north"} {
		if ref, name, err := ParseCommunity(s); err == nil {
			t.Errorf("ParseCommunity(%q) = %#v, %q; want an error", s, ref, name)
		}
	}
}
