package knowledge

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Pairing states. A pairing is proposed when copbot (or a facilitator)
// makes it, active once the mentor accepts, and closed as declined (by the
// mentor, before accepting) or ended (by either of them, or a facilitator).
const (
	PairingProposed = "proposed"
	PairingActive   = "active"
	PairingDeclined = "declined"
	PairingEnded    = "ended"
)

// Limits on what people type.
const (
	// MaxTopics bounds the topics of one offer or request.
	MaxTopics = 10
	// MaxCapacity bounds how many mentees a mentor takes at once.
	MaxCapacity = 20
	// DefaultCapacity is a new mentor's capacity when they name none.
	DefaultCapacity = 2
	// MaxFeedback bounds one person's feedback on a pairing.
	MaxFeedback = 2000
)

// MemberRef names a member in mentoring results: enough to mention them and
// to write their name.
type MemberRef struct {
	ID             int64
	PlatformUserID string
	DisplayName    string
}

// Name is how copbot writes the member's name.
func (m MemberRef) Name() string {
	if strings.TrimSpace(m.DisplayName) != "" {
		return m.DisplayName
	}
	return m.PlatformUserID
}

// Mentor is a member's offer to mentor.
type Mentor struct {
	Member   MemberRef
	Topics   []string
	Capacity int
	// Load is how many mentees they have: proposed and active pairings.
	Load        int
	Paused      bool
	PausedUntil *time.Time
	OfferedAt   time.Time
}

// Pairing is a mentor and a mentee brought together.
type Pairing struct {
	ID        int64
	Number    int
	State     string
	RequestID int64
	Mentor    MemberRef
	Mentee    MemberRef
	// Topics are the request's topics the mentor offers; Expertise is how
	// many saved tips on them the mentor wrote or voted for when matched.
	Topics    []string
	Expertise int
	// PairedBy names the facilitator who paired them by hand ("" when
	// copbot matched them).
	PairedBy     string
	ChannelID    string
	IntroChannel string
	CreatedAt    time.Time
	AcceptedAt   *time.Time
	ClosedAt     *time.Time
	// ClosedBy is the member who declined or ended it (0 while open).
	ClosedBy int64
	// Feedback and Rating are the feedback of the member who ended it, if
	// they gave any; each person's own is read with their rights
	// (EndedPairing, MentoringFeedback).
	Feedback string
	Rating   *int
}

// Open reports whether the pairing still holds a slot of the mentor's.
func (p Pairing) Open() bool { return p.State == PairingProposed || p.State == PairingActive }

// WaitingRequest is a request on the waitlist.
type WaitingRequest struct {
	ID       int64
	Mentee   MemberRef
	Topics   []string
	Position int
	Since    time.Time
}

// mentoringTx is one mentoring change: a transaction that holds its
// community's mentoring lock, with the notices and follow-ups the change
// makes, queued as jobs in the same transaction.
type mentoringTx struct {
	pgx.Tx
	s           *Store
	communityID int64
	notices     []MentoringNotice
	// paired are the ids of the pairings this change made, in order.
	paired   []int64
	followUp time.Duration
}

// inMentoringTx runs fn in a transaction that first locks the community's
// mentoring row. Every change to mentors, requests and pairings goes
// through here, so within a community they happen one at a time: matching
// reads loads and the waitlist as they are, and the order in which requests
// take the lock is their waitlist order. A lock per community rather than
// row locks on mentors, because a match is a choice among all of a
// community's mentors and its whole waitlist: locking only the chosen
// mentor would let a later request overtake an earlier one, and mentoring
// changes come from people, a few a minute, so they never queue for long.
func (s *Store) inMentoringTx(ctx context.Context, communityID int64, fn func(*mentoringTx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO mentoring_counters (community_id) VALUES ($1)
			ON CONFLICT (community_id) DO UPDATE SET last_pairing = mentoring_counters.last_pairing`, communityID)
		if err != nil {
			return fmt.Errorf("lock mentoring: %w", err)
		}
		m := &mentoringTx{Tx: tx, s: s, communityID: communityID}
		if err := fn(m); err != nil {
			return err
		}
		if len(m.notices) == 0 {
			return nil
		}
		args := MentoringNoticesArgs{CommunityID: communityID, Notices: m.notices}
		opts, err := s.noticeOpts(ctx, tx, communityID, nil)
		if err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, args, opts); err != nil {
			return fmt.Errorf("queue mentoring notices: %w", err)
		}
		return nil
	})
}

func (m *mentoringTx) notify(pairingID int64, event string) {
	m.notices = append(m.notices, MentoringNotice{PairingID: pairingID, Event: event})
}

// cleanTopics turns typed topics into stored ones: normalised like tags,
// without words that stem to nothing new ("and", or "tests" after
// "testing"). No topic left is an error for the person.
func (m *mentoringTx) cleanTopics(ctx context.Context, typed []string) ([]string, error) {
	norm := []string{}
	for _, t := range typed {
		n := NormalizeTag(t)
		switch {
		case n == "" && strings.IndexFunc(t, func(r rune) bool { return !unicode.IsPunct(r) && r != '#' }) >= 0:
			// An emoji or a symbol, not punctuation between topics.
			return nil, invalidf("“%s” is not a topic I can match on: topics keep letters, digits, - and _.", t)
		case utf8.RuneCountInString(n) == MaxTagLength && utf8.RuneCountInString(strings.TrimPrefix(t, "#")) > MaxTagLength:
			return nil, invalidf("“%s” is longer than a topic may be (%d characters); shorten it.", t, MaxTagLength)
		case n != "":
			norm = mergeTags(norm, []string{n})
		}
	}
	if len(norm) == 0 {
		return nil, invalidf("Name the topics as words or #tags, for example `testing #ci`.")
	}
	if len(norm) > MaxTopics {
		return nil, invalidf("That is %d topics; name at most %d.", len(norm), MaxTopics)
	}
	var clean []string
	if err := m.QueryRow(ctx, `SELECT copbot_clean_topics($1)`, norm).Scan(&clean); err != nil {
		return nil, fmt.Errorf("normalise topics: %w", err)
	}
	if len(clean) == 0 {
		return nil, invalidf("“%s” is too common to match anyone on; name a subject, like `testing` or `#kubernetes`.",
			strings.Join(typed, " "))
	}
	return clean, nil
}

// MentoringNotice is one message about a pairing to send after the change
// that caused it has committed.
type MentoringNotice struct {
	PairingID int64  `json:"pairing_id"`
	Event     string `json:"event"`
}

// Events of MentoringNotice.
const (
	// NoticeIntro introduces mentor and mentee in a conversation of their own.
	NoticeIntro = "intro"
	// NoticeAccepted tells the mentee that the mentor accepted.
	NoticeAccepted = "accepted"
	// NoticeDeclined tells the mentee the mentor declined, when no other
	// mentor was found at once.
	NoticeDeclined = "declined"
	// NoticeEnded tells the other side that a pairing ended.
	NoticeEnded = "ended"
	// NoticeFollowUp asks both "have you met?" some days after pairing.
	NoticeFollowUp = "followup"
)

// MentoringNoticesArgs is the durable job that sends the notices of one
// mentoring change, in order. It is inserted in the change's transaction, so
// a crash between commit and sending loses nothing; each notice is claimed
// before it is sent, so a job run twice sends each once.
type MentoringNoticesArgs struct {
	CommunityID int64             `json:"community_id"`
	Notices     []MentoringNotice `json:"notices"`
}

// Kind names the job for river.
func (MentoringNoticesArgs) Kind() string { return "mentoring_notices" }

// MentorResumeArgs is the job scheduled when a mentor pauses until a date:
// at that time it resumes them, unless they resumed or paused again since.
type MentorResumeArgs struct {
	CommunityID int64     `json:"community_id"`
	MemberID    int64     `json:"member_id"`
	Until       time.Time `json:"until"`
}

// Kind names the job for river.
func (MentorResumeArgs) Kind() string { return "mentor_resume" }

// WelcomeArgs is the job that welcomes a member who joined.
type WelcomeArgs struct {
	CommunityID int64 `json:"community_id"`
	MemberID    int64 `json:"member_id"`
}

// Kind names the job for river.
func (WelcomeArgs) Kind() string { return "mentoring_welcome" }

// MentorFollowUp is how long after pairing copbot asks "have you met?".
func (c Config) MentorFollowUp() time.Duration {
	d, err := followUpDays(c["mentor-followup-days"])
	if err != nil {
		s, _ := LookupSetting("mentor-followup-days")
		d, _ = followUpDays(s.Default)
	}
	return d
}

// Welcome says whether members are welcomed on joining, and with which
// text of the community's own ("" for copbot's).
func (c Config) Welcome() (on bool, text string) {
	switch v := c["welcome"]; strings.ToLower(v) {
	case "on", "":
		return true, ""
	case "off":
		return false, ""
	default:
		return true, v
	}
}

// followUpDays reads a stored follow-up interval. Values written before
// whole days were required (decimals, down to seconds) are still read.
func followUpDays(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > 365 {
		return 0, invalidf("%q is not a number of days above 0 and up to 365.", v)
	}
	return time.Duration(f * float64(24*time.Hour)), nil
}

// MaxFollowUpDays bounds mentor-followup-days: a "have you met?" later than
// a quarter after the introduction comes too late to help.
const MaxFollowUpDays = 90

// normalizeFollowUpDays accepts a whole number of days, 1 to
// MaxFollowUpDays: a follow-up sooner than a day asks before anyone could
// have met, and fractions of a day are no way to set that.
func normalizeFollowUpDays(v string) (string, error) {
	n, err := ParseWhole(v, 1, MaxFollowUpDays, "the days before a follow-up", 14)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(n), nil
}

// normalizeWelcome accepts on, off, or a text of the community's own.
func normalizeWelcome(v string) (string, error) {
	switch lv := strings.ToLower(v); {
	case lv == "on" || lv == "off":
		return lv, nil
	case v == "":
		return "", invalidf("Say `on`, `off`, or the text new members should get.")
	case utf8.RuneCountInString(v) > 1500:
		return "", invalidf("A welcome can be at most 1500 characters long.")
	}
	return v, nil
}
