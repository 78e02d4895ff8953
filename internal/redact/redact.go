package redact

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Mask replaces what is removed.
const Mask = "[redacted]"

// minSecret is the shortest secret replaced by its value: shorter ones
// would blank ordinary words of the log and are no real credential.
const minSecret = 8

// Redactor removes secrets from text and errors; see the package doc. The
// zero value removes only what has a recognisable shape.
type Redactor struct {
	secrets []string // longest first, so that no secret is cut by a shorter one inside it
}

// New makes a Redactor that also removes each of secrets (empty and short
// ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= minSecret && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

// shapes are secrets recognised by their form, with what replaces them.
var shapes = []struct {
	hint string // a substring the text must hold, to skip the expression cheaply
	re   *regexp.Regexp
	repl string
}{
	{"xox", regexp.MustCompile(`xox[a-z]-[A-Za-z0-9-]+`), Mask},
	{"xapp-", regexp.MustCompile(`xapp-[A-Za-z0-9-]+`), Mask},
	{"hooks.slack", regexp.MustCompile(`(hooks\.slack(?:-gov)?\.com)/[^\s"'<>\\]+`), "$1/" + Mask},
	{"/webhooks/", regexp.MustCompile(`(/webhooks/[^/\s"'<>\\]+/)[^/\s"'?<>\\]+`), "${1}" + Mask},
	{"/interactions/", regexp.MustCompile(`(/interactions/[^/\s"'<>\\]+/)[^/\s"'?<>\\]+`), "${1}" + Mask},
	{"ticket=", regexp.MustCompile(`(ticket=)[^&\s"'<>\\]+`), "${1}" + Mask},
	// A Discord bot token: base64 of the bot's id, a timestamp, an HMAC.
	{".", regexp.MustCompile(`[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}`), Mask},
}

// String returns s with every known secret and every secret-shaped part
// replaced by Mask.
func (r *Redactor) String(s string) string {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Mask)
		}
	}
	for _, sh := range shapes {
		if strings.Contains(s, sh.hint) {
			s = sh.re.ReplaceAllString(s, sh.repl)
		}
	}
	return s
}

// Error returns err's text with the URL of every *url.Error in its chain
// cut to its scheme and host, then redacted as String does.
func (r *Redactor) Error(err error) string {
	text := err.Error()
	for _, ue := range urlErrors(err, nil) {
		if ue.URL == "" {
			continue
		}
		short := shortURL(ue.URL)
		text = strings.ReplaceAll(text, ue.URL, short)
		if q := strconv.Quote(ue.URL); q[1:len(q)-1] != ue.URL {
			text = strings.ReplaceAll(text, q[1:len(q)-1], short)
		}
	}
	return r.String(text)
}

// urlErrors appends every *url.Error in err's chain (through joins too).
func urlErrors(err error, found []*url.Error) []*url.Error {
	for err != nil {
		if ue, ok := err.(*url.Error); ok {
			found = append(found, ue)
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				found = urlErrors(e, found)
			}
			return found
		default:
			err = errors.Unwrap(err)
		}
	}
	return found
}

// shortURL is raw without its path, query and user: "https://hooks.slack.com/[redacted]".
func shortURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Mask
	}
	short := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Opaque != "" {
		short += "/" + Mask
	}
	return short
}
