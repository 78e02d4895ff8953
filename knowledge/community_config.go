package knowledge

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Setting describes one key of /cop config.
type Setting struct {
	Key     string
	Default string
	// Help says what the key changes, in one line for people.
	Help string
	// Example is a value to show in help.
	Example string
	// normalize checks a typed value and returns the form to store.
	normalize func(string) (string, error)
	// onSet, when set, runs in the transaction that stores a new value:
	// to check it against the database, or to queue the work it causes.
	onSet func(ctx context.Context, tx pgx.Tx, s *Store, communityID int64, value string) error
}

// Settings lists every key /cop config accepts, in the order help shows them.
func Settings() []Setting {
	return []Setting{
		{
			Key: "save-emoji", Default: "bulb", Example: "star",
			Help:      "the reaction that saves a message as a tip",
			normalize: normalizeEmoji, onSet: saveEmojiChanged,
		},
		{
			Key: "language", Default: SearchLanguage, Example: "german",
			Help: "the language search stems words in (`english`, `german`, `french`, `spanish`, … or `simple` for none); " +
				"tips saved before a change are re-indexed in the background",
			normalize: normalizeLanguage, onSet: languageChanged,
		},
		{
			Key: "timezone", Default: "UTC", Example: "Europe/Berlin",
			Help:      "the time zone of due dates and reminders (an IANA name)",
			normalize: normalizeTimezone,
		},
		{
			Key: "checkin-by", Default: CheckinByOwner, Example: CheckinByAnyone,
			Help:      "who may check in besides facilitators: `owner` (the objective's owner) or `anyone`",
			normalize: normalizeCheckinBy,
		},
		{
			Key: "mentor-followup-days", Default: "14", Example: "7",
			Help:      "days after a pairing that copbot asks both \"have you met?\" (a whole number from 1 to 90)",
			normalize: normalizeFollowUpDays,
		},
		{
			Key: "welcome", Default: "on", Example: "off",
			Help:      "the direct message a member gets on joining: `on`, `off`, or your own text",
			normalize: normalizeWelcome,
		},
		{
			Key: "digest-channel", Default: "off", Example: "#general",
			Help:      "where the weekly digest is posted on Mondays at 09:00 (`timezone`): a #channel, or `off`",
			normalize: normalizeChannel,
		},
		{
			Key: "guests", Default: GuestsNone, Example: GuestsOwnChannels,
			Help:      "what the workspace's guests see of the repository: `none`, or `own-channels` (tips from the channels they are in)",
			normalize: normalizeGuests,
		},
		{
			Key: "mentor-invitations", Default: "on", Example: "off",
			Help:      "invite members whose tips are often saved to mentor, once each: `on` or `off`",
			normalize: normalizeOnOff,
		},
	}
}

// LookupSetting finds a key's description.
func LookupSetting(key string) (Setting, bool) {
	for _, s := range Settings() {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// Config is a community's settings, defaults filled in.
type Config map[string]string

// SaveEmoji is the reaction that captures a tip.
func (c Config) SaveEmoji() string { return c["save-emoji"] }

// pastSaveEmojis is the hidden setting that lists every save emoji a
// community has had, so that a vote cast with an earlier one can still be
// taken back.
const pastSaveEmojis = "save-emoji-past"

// SaveEmojis are every emoji that saved a tip in the community at some
// time: the default, each one set since, and the one set now. A removed
// reaction with any of them may take back a vote.
func (c Config) SaveEmojis() []string {
	all := append([]string{c.SaveEmoji()}, strings.Fields(c[pastSaveEmojis])...)
	if st, _ := LookupSetting("save-emoji"); !slices.Contains(all, st.Default) {
		all = append(all, st.Default)
	}
	return all
}

// saveEmojiChanged remembers the new save emoji among the community's past
// ones (SaveEmojis).
func saveEmojiChanged(ctx context.Context, tx pgx.Tx, _ *Store, communityID int64, value string) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO community_settings AS s (community_id, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (community_id, key) DO UPDATE SET value = CASE
			WHEN $3 = ANY (string_to_array(s.value, ' ')) THEN s.value ELSE s.value || ' ' || $3 END`,
		communityID, pastSaveEmojis, value)
	if err != nil {
		return fmt.Errorf("remember save emoji: %w", err)
	}
	return nil
}

// Language is the text search configuration the community's tips are
// stemmed with.
func (c Config) Language() string { return c["language"] }

// Location is the community's time zone; UTC when the setting is unusable.
func (c Config) Location() *time.Location { return location(c["timezone"]) }

// CheckinBy says who besides facilitators may check in: CheckinByOwner or
// CheckinByAnyone.
func (c Config) CheckinBy() string { return c["checkin-by"] }

// Config reads a community's settings.
func (s *Store) Config(ctx context.Context, communityID int64) (Config, error) {
	cfg := Config{}
	for _, st := range Settings() {
		cfg[st.Key] = st.Default
	}
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM community_settings WHERE community_id = $1`, communityID)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("scan setting: %w", err)
		}
		cfg[k] = v
	}
	return cfg, rows.Err()
}

// SetConfig changes one setting and returns the stored value. Only
// facilitators may change settings.
func (s *Store) SetConfig(ctx context.Context, by Member, key, value string) (string, error) {
	if err := MayFacilitate(by); err != nil {
		return "", err
	}
	st, ok := LookupSetting(key)
	if !ok {
		return "", invalidf("There is no setting called %q.", key)
	}
	v, err := st.normalize(strings.TrimSpace(value))
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO community_settings (community_id, key, value, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (community_id, key) DO UPDATE SET value = excluded.value,
				updated_by = excluded.updated_by, updated_at = copbot_now()`,
			by.CommunityID, key, v, by.ID)
		if err != nil {
			return fmt.Errorf("store setting %s: %w", key, err)
		}
		if st.onSet != nil {
			return st.onSet(ctx, tx, s, by.CommunityID, v)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

var emojiName = regexp.MustCompile(`^[a-z0-9_+'-]{1,64}$`)

// normalizeEmoji accepts a Slack-style name (":bulb:" or "bulb"), a Discord
// custom emoji ("<:name:id>", kept as its name) or one Unicode emoji.
func normalizeEmoji(v string) (string, error) {
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		if parts := strings.Split(strings.Trim(v, "<>"), ":"); len(parts) == 3 {
			v = parts[1]
		}
	}
	name := strings.ToLower(strings.Trim(v, ":"))
	if emojiName.MatchString(name) {
		return name, nil
	}
	if v != "" && utf8.RuneCountInString(v) <= 8 && !strings.ContainsFunc(v, func(r rune) bool {
		return r < 0x80 || unicode.IsSpace(r) || unicode.IsLetter(r)
	}) {
		return v, nil
	}
	return "", invalidf("%q is not an emoji name; try a name like `bulb` or `:star:`.", v)
}

// Values of the checkin-by setting.
const (
	CheckinByOwner  = "owner"
	CheckinByAnyone = "anyone"
)

func normalizeCheckinBy(v string) (string, error) {
	switch w := strings.ToLower(v); w {
	case CheckinByOwner, CheckinByAnyone:
		return w, nil
	}
	return "", invalidf("%q is not a choice here; use `owner` (the objective's owner and facilitators) or `anyone`.", v)
}

// normalizeTimezone accepts an IANA time zone name such as Europe/Berlin.
func normalizeTimezone(v string) (string, error) {
	if v != "" && !strings.EqualFold(v, "Local") && !strings.ContainsAny(v, " \\") {
		// As typed, then in the case IANA names are written in
		// (utc → UTC, europe/berlin → Europe/Berlin, america/new_york →
		// America/New_York).
		for _, name := range []string{v, strings.ToUpper(v), ianaCase(v)} {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc.String(), nil
			}
		}
	}
	return "", invalidf("%q is not a time zone I know; use an IANA name like `Europe/Berlin`, `America/New_York` or `UTC`.", v)
}

// location loads a stored time zone name, falling back to UTC.
func location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

var (
	channelMention = regexp.MustCompile(`^<#([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$`)
	channelName    = regexp.MustCompile(`^#?([A-Za-z0-9_.-]{1,80})$`)
)

// normalizeChannel accepts a platform channel mention (<#C123|general>), a
// #name (the console names channels by name), or off; it stores the
// channel's id.
func normalizeChannel(v string) (string, error) {
	switch lv := strings.ToLower(v); {
	case lv == "off" || lv == "none":
		return "off", nil
	case channelMention.MatchString(v):
		return channelMention.FindStringSubmatch(v)[1], nil
	case channelName.MatchString(v):
		return channelName.FindStringSubmatch(v)[1], nil
	}
	return "", invalidf("“%s” is not a channel; name one like `#general`, or say `off`.", v)
}

func normalizeOnOff(v string) (string, error) {
	switch lv := strings.ToLower(v); lv {
	case "on", "off":
		return lv, nil
	}
	return "", invalidf("Say `on` or `off`.")
}

// What guests of a workspace see of the repository (the guests setting).
const (
	GuestsNone        = "none"
	GuestsOwnChannels = "own-channels"
)

func normalizeGuests(v string) (string, error) {
	switch lv := strings.ToLower(v); lv {
	case GuestsNone, GuestsOwnChannels:
		return lv, nil
	}
	return "", invalidf("Guests see `none` of the repository or tips from their `own-channels`; %q is neither.", v)
}

// ianaCase writes a time zone name as IANA names are: each word capitalised.
func ianaCase(v string) string {
	b := []rune(strings.ToLower(v))
	for i := range b {
		if i == 0 || strings.ContainsRune("/_-", b[i-1]) {
			b[i] = unicode.ToUpper(b[i])
		}
	}
	return string(b)
}
