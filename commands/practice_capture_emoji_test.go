package commands

import "testing"

func TestSameEmoji(t *testing.T) {
	tests := []struct {
		reaction, want string
		same           bool
	}{
		{"bulb", "bulb", true},
		{":Bulb:", "bulb", true},
		{"+1::skin-tone-2", "+1", true},
		{"💡", "bulb", true},
		{"bulb", "💡", true},
		{"👍🏽", "thumbsup", true},
		{"❤", "heart", true},
		{"❤️", "heart", true},
		{"copsave", "copsave", true},
		{"👍", "bulb", false},
		{"bulbs", "bulb", false},
		{"", "bulb", false},
	}
	for _, tt := range tests {
		if got := sameEmoji(tt.reaction, tt.want); got != tt.same {
			t.Errorf("sameEmoji(%q, %q) = %v, want %v", tt.reaction, tt.want, got, tt.same)
		}
	}
}
