package bot

import "testing"

func TestQualify_RoundTrips(t *testing.T) {
	slack := CommunityRef{Platform: Slack, ExternalID: "T1", Name: "frontend"}
	discord := CommunityRef{Platform: Discord, ExternalID: "81384788765712384"}
	q := discord.Qualify("80351110224678912")
	if q != "~discord:81384788765712384:80351110224678912" {
		t.Fatalf("Qualify = %q", q)
	}
	if discord.Qualify(q) != q || discord.Qualify("") != "" {
		t.Error("qualifying twice or qualifying nothing changed the id")
	}
	for _, c := range []struct {
		id     string
		ws     CommunityRef
		raw    string
		inHome bool
	}{
		{q, discord, "80351110224678912", false},
		{"U123", slack, "U123", true},
		{"~broken", slack, "~broken", true},
		{"~console:north:ada", CommunityRef{Platform: Console, ExternalID: "north"}, "ada", false},
	} {
		ws, raw := Unqualify(slack, c.id)
		if raw != c.raw || SameWorkspace(ws, slack) != c.inHome || !SameWorkspace(ws, c.ws) {
			t.Errorf("Unqualify(%q) = %v, %q", c.id, ws, raw)
		}
	}
}
