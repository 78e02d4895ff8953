package knowledge

import (
	"regexp"
	"strings"
	"unicode"
)

// NormalizeTag gives a tag's canonical form: lower case, letters, digits,
// '-' and '_' only, at most 50 runes; "" when nothing is left. "Testing",
// "#testing" and "testing." all meet as "testing".
func NormalizeTag(s string) string {
	s = strings.ToLower(strings.TrimRight(strings.TrimPrefix(s, "#"), ".,;:!?"))
	var b strings.Builder
	n, meaningful := 0, false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			b.WriteRune(r)
			meaningful = meaningful || r != '-' && r != '_'
			n++
			if n == MaxTagLength {
				break
			}
		}
	}
	if !meaningful {
		return "" // "#-" or "#_" names nothing
	}
	return b.String()
}

// MaxTagLength bounds a tag, in characters.
const MaxTagLength = 50

// hashtag finds #tags in message text; Slack's channel links (<#C1|x>) and
// URL fragments (x.com/#a) do not match because they do not follow a space.
var hashtag = regexp.MustCompile(`(?:^|\s)#([\p{L}\p{N}_-]+)`)

// Hashtags returns the normalised #tags of a message, in order, without
// duplicates.
//
// At most MaxTags are taken: a message with thousands of #words would make
// every page that shows its tip huge.
func Hashtags(text string) []string {
	tags := mergeTags(nil, hashtagsOf(text))
	return tags[:min(len(tags), MaxTags)]
}

// MaxTags bounds a tip's tags.
const MaxTags = 20

func hashtagsOf(text string) []string {
	var out []string
	for _, m := range hashtag.FindAllStringSubmatch(text, -1) {
		if t := NormalizeTag(m[1]); t != "" && !isNumber(t) {
			out = append(out, t)
		}
	}
	return out
}

// mergeTags appends the tags of more that tags lacks. The result is never
// nil, which pgx would send as NULL.
func mergeTags(tags []string, more []string) []string {
	if tags == nil {
		tags = []string{}
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		seen[t] = true
	}
	for _, t := range more {
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return tags
}

func isNumber(s string) bool {
	return strings.TrimFunc(s, unicode.IsDigit) == ""
}
