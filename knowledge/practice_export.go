package knowledge

import (
	"cmp"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// ExportedTip is a tip in the export format other programs rely on. The
// first eight fields are the contract; the others are optional additions
// that let an import give back the same tip: who wrote it (their platform
// id), where it came from, and whether it left the repository.
type ExportedTip struct {
	Number    int       `json:"number"`
	Text      string    `json:"text"`
	Author    string    `json:"author"`
	Channel   string    `json:"channel"`
	Permalink string    `json:"permalink"`
	Tags      []string  `json:"tags"`
	Votes     int       `json:"votes"`
	SavedAt   time.Time `json:"saved_at"`

	// AuthorID is the author's platform user id (Slack U…, Discord
	// snowflake); an import links the tip to that member, found or made.
	AuthorID string `json:"author_id,omitempty"`
	// ChannelID is the channel's platform id; Channel says its name when
	// copbot knows one.
	ChannelID string `json:"channel_id,omitempty"`
	// SourceMessage is the platform identity of the message the tip was
	// captured from; none for a tip saved with /cop save.
	SourceMessage string `json:"source_message,omitempty"`
	// Removed marks a tip that left the repository (only with
	// --include-removed), RemovedReason why: "removed" by a person or
	// "unvoted" when its votes were taken back.
	Removed       bool   `json:"removed,omitempty"`
	RemovedReason string `json:"removed_reason,omitempty"`
}

// ExportTips lists a community's saved tips by number; tips that left the
// repository are included only when asked, and marked (deleted messages
// never are: their text is gone).
func (s *Store) ExportTips(ctx context.Context, communityID int64, includeRemoved bool) ([]ExportedTip, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.number, t.text, t.author_name, CASE WHEN t.channel_name <> '' THEN t.channel_name ELSE t.channel_id END,
			t.permalink, t.tags, t.votes, t.saved_at,
			COALESCE(m.platform_user_id, ''), t.channel_id, COALESCE(t.source_message, ''),
			t.removed_at IS NOT NULL, COALESCE(t.removed_reason, '')
		FROM tips t
		LEFT JOIN members m ON m.community_id = t.community_id AND m.id = t.author_id
		WHERE t.community_id = $1 AND t.state = 'saved'
		  AND (t.removed_at IS NULL OR ($2 AND t.removed_reason <> 'deleted'))
		ORDER BY t.number`, communityID, includeRemoved)
	if err != nil {
		return nil, fmt.Errorf("export tips: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ExportedTip, error) {
		var t ExportedTip
		err := row.Scan(&t.Number, &t.Text, &t.Author, &t.Channel, &t.Permalink, &t.Tags, &t.Votes, &t.SavedAt,
			&t.AuthorID, &t.ChannelID, &t.SourceMessage, &t.Removed, &t.RemovedReason)
		return t, err
	})
}

// ImportSummary says what an import did with each tip of the file.
type ImportSummary struct {
	// Tips is how many the file had.
	Tips int
	// Created is how many tips the import added, renumbered ones included.
	Created int
	// Renumbered are the created tips whose number was taken here.
	Renumbered []Renumbering
	// Same are the tips of the file that were here already (or earlier in
	// the file), skipped.
	Same []SameTip
}

// Renumbering is a tip of a file saved under another number.
type Renumbering struct{ From, To int }

// SameTip is a tip of a file found here already: Here is its number, 0 for
// a tip that still waits for its capture.
type SameTip struct{ Number, Here int }

// ImportTips adds exported tips to a community. A tip is known by where it
// came from: its source message, else its permalink and author, else its
// text, author and time saved; one the community has already is skipped,
// so importing the same file twice changes nothing. A new tip keeps its
// number when the community does not use it and takes the next free one
// otherwise. Every tip is checked first; one bad tip imports none.
//
// Authors with a platform id are found or made as members. Votes are the
// file's counts: an export names no voters.
func (s *Store) ImportTips(ctx context.Context, communityID int64, tips []ExportedTip) (ImportSummary, error) {
	incoming := make([]importedTip, len(tips))
	for i, t := range tips {
		in, err := checkImported(i, t)
		if err != nil {
			return ImportSummary{}, err
		}
		incoming[i] = in
	}
	var sum ImportSummary
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		sum, err = importTips(ctx, tx, communityID, incoming)
		return err
	})
	if err != nil {
		return ImportSummary{}, err
	}
	return sum, nil
}

// importedTip is a checked tip of a file.
type importedTip struct {
	ExportedTip
	index   int // in the file
	removed string
	textSum string
}

func checkImported(i int, t ExportedTip) (importedTip, error) {
	if t.Number < 1 || t.Number > math.MaxInt32 {
		return importedTip{}, invalidf("tip %d of the file has number %d; numbers start at 1", i+1, t.Number)
	}
	if err := checkTipText(t.Text); err != nil {
		return importedTip{}, invalidf("tip %d: %v", t.Number, err)
	}
	for _, s := range []string{t.Text, t.Author, t.AuthorID, t.Channel, t.ChannelID, t.Permalink, t.SourceMessage} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return importedTip{}, invalidf("tip %d has text that is not valid UTF-8 or holds a NUL", t.Number)
		}
	}
	if t.Votes < 0 || t.Votes > math.MaxInt32 {
		return importedTip{}, invalidf("tip %d has %d votes", t.Number, t.Votes)
	}
	in := importedTip{ExportedTip: t, index: i}
	if t.Removed || t.RemovedReason != "" {
		switch in.removed = cmp.Or(t.RemovedReason, "removed"); in.removed {
		case "removed", "unvoted":
		default:
			return importedTip{}, invalidf("tip %d: removed_reason %q; want removed or unvoted", t.Number, t.RemovedReason)
		}
	}
	in.Tags = normalizeTags(t.Tags)
	// The database keeps microseconds; a tip is known by the time it keeps.
	in.SavedAt = t.SavedAt.Truncate(time.Microsecond)
	sum := md5.Sum([]byte(t.Text))
	in.textSum = hex.EncodeToString(sum[:])
	return in, nil
}

// knownTip is what an import compares a tip of its file with: a tip of the
// community, or one of the file it has taken.
type knownTip struct {
	number             int
	authorID, author   string
	savedAt            time.Time
	textSum, permalink string
}

// knownTips finds tips by their identities.
type knownTips struct {
	bySource map[string]*knownTip
	byLink   map[string][]*knownTip
	byText   map[string][]*knownTip
	numbers  map[int]bool
}

func (k *knownTips) add(t *knownTip, source string) {
	if source != "" {
		k.bySource[source] = t
	}
	if t.permalink != "" {
		k.byLink[t.permalink] = append(k.byLink[t.permalink], t)
	}
	k.byText[t.textSum] = append(k.byText[t.textSum], t)
	if t.number > 0 {
		k.numbers[t.number] = true
	}
}

// find returns the known tip that is the same as in, if any: the same
// source message; the same permalink and author (a message keeps both when
// it is edited); or the same text, author and time saved.
func (k *knownTips) find(in importedTip) *knownTip {
	if in.SourceMessage != "" {
		if t, ok := k.bySource[in.SourceMessage]; ok {
			return t
		}
	}
	if in.Permalink != "" {
		for _, t := range k.byLink[in.Permalink] {
			if sameAuthor(t, in) {
				return t
			}
		}
	}
	for _, t := range k.byText[in.textSum] {
		if sameAuthor(t, in) && (t.savedAt.Equal(in.SavedAt) ||
			in.SavedAt.IsZero() && in.SourceMessage == "" && in.Permalink == "") {
			return t
		}
	}
	return nil
}

// sameAuthor compares platform ids when both tips have one, names
// otherwise (an export made before ids were exported has names only).
func sameAuthor(t *knownTip, in importedTip) bool {
	if t.authorID != "" && in.AuthorID != "" {
		return t.authorID == in.AuthorID
	}
	return t.author == in.Author
}

func importTips(ctx context.Context, tx pgx.Tx, communityID int64, incoming []importedTip) (ImportSummary, error) {
	sum := ImportSummary{Tips: len(incoming)}
	if len(incoming) == 0 {
		return sum, nil
	}
	// Members first, then the counter, as a capture takes them: an import
	// and a capture each wait for the other's new members only while they
	// hold no number.
	names := map[memberKey]string{}
	for _, t := range incoming {
		if t.AuthorID != "" {
			k := memberKey{communityID, t.AuthorID}
			if names[k] == "" {
				names[k] = t.Author
			}
		}
	}
	members, err := referMembers(ctx, tx, names, false)
	if err != nil {
		return sum, err
	}
	// The counter row is locked before any tip is read: a live save or
	// capture numbers under the same lock, so while it is held no number
	// can be taken, and the tips read next include every numbered tip.
	var last int
	if err := tx.QueryRow(ctx, `
		INSERT INTO tip_counters AS tc (community_id, last_number) VALUES ($1, 0)
		ON CONFLICT (community_id) DO UPDATE SET last_number = tc.last_number
		RETURNING last_number`, communityID).Scan(&last); err != nil {
		return sum, fmt.Errorf("number imported tips: %w", err)
	}
	known, err := readKnownTips(ctx, tx, communityID)
	if err != nil {
		return sum, err
	}

	// Tips keep their numbers when free; the others take numbers after
	// every number used, in the order of the file.
	var fresh, renumber []importedTip
	mine := map[int]*knownTip{}   // by file index
	sameAs := map[int]*knownTip{} // by file index
	for _, in := range incoming {
		if same := known.find(in); same != nil {
			sameAs[in.index] = same // a tip taken earlier in the file may not have its number yet
			continue
		}
		t := &knownTip{authorID: in.AuthorID, author: in.Author, savedAt: in.SavedAt, textSum: in.textSum, permalink: in.Permalink}
		if !known.numbers[in.Number] {
			t.number = in.Number
		} else {
			renumber = append(renumber, in)
		}
		mine[in.index] = t
		known.add(t, in.SourceMessage)
		fresh = append(fresh, in)
	}
	highest := last
	for n := range known.numbers {
		highest = max(highest, n)
	}
	for _, in := range renumber {
		highest++
		mine[in.index].number = highest
	}
	for _, in := range incoming {
		if same, ok := sameAs[in.index]; ok {
			sum.Same = append(sum.Same, SameTip{Number: in.Number, Here: same.number})
		}
	}
	if len(fresh) == 0 {
		return sum, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE tip_counters SET last_number = $2 WHERE community_id = $1`, communityID, highest); err != nil {
		return sum, fmt.Errorf("number imported tips: %w", err)
	}

	// Inserted in the order of their source messages, as reactions insert
	// pending tips, so that neither waits for the other crosswise.
	slices.SortStableFunc(fresh, func(a, b importedTip) int { return strings.Compare(a.SourceMessage, b.SourceMessage) })
	now := time.Now().Truncate(time.Microsecond)
	n := len(fresh)
	var (
		numbers, votes                  = make([]int32, n), make([]int32, n)
		sources                         = make([]*string, n)
		texts, tags, authorNames        = make([]string, n), make([]string, n), make([]string, n)
		channelIDs, channelNames, links = make([]string, n), make([]string, n), make([]string, n)
		authorIDs                       = make([]*int64, n)
		savedAt                         = make([]time.Time, n)
		removed                         = make([]*string, n)
	)
	for i, in := range fresh {
		number := mine[in.index].number
		numbers[i], votes[i] = int32(number), int32(in.Votes)
		if in.SourceMessage != "" {
			sources[i] = &in.SourceMessage
		}
		texts[i], tags[i], authorNames[i] = in.Text, strings.Join(in.Tags, " "), in.Author
		channelIDs[i], channelNames[i], links[i] = in.ChannelID, in.Channel, in.Permalink
		if in.ChannelID != "" && in.Channel == in.ChannelID {
			channelNames[i] = "" // the export names a channel by its id when it knows no name
		}
		if m, ok := members[memberKey{communityID, in.AuthorID}]; ok && in.AuthorID != "" {
			authorIDs[i] = &m.id
		}
		savedAt[i] = in.SavedAt
		if savedAt[i].IsZero() {
			savedAt[i] = now
		}
		if in.removed != "" {
			removed[i] = &in.removed
		}
	}
	// A tip whose source message gained a pending tip since the tips were
	// read is that tip: it is skipped like the others already here.
	rows, err := tx.Query(ctx, `
		INSERT INTO tips (community_id, number, state, source_message, text, tags, author_id, author_name,
			channel_id, channel_name, permalink, votes, saved_at, removed_at, removed_reason, lang)
		SELECT $1, u.number, 'saved', u.source_message, u.text, string_to_array(u.tags, ' '), u.author_id, u.author_name,
			u.channel_id, u.channel_name, u.permalink, u.votes, u.saved_at,
			CASE WHEN u.removed_reason IS NOT NULL THEN copbot_now() END, u.removed_reason, `+languageOf("$1")+`
		FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::int[], $12::timestamptz[], $13::text[])
			WITH ORDINALITY AS u(number, source_message, text, tags, author_id, author_name,
			channel_id, channel_name, permalink, votes, saved_at, removed_reason, i)
		ORDER BY u.i
		ON CONFLICT DO NOTHING
		RETURNING number`,
		communityID, numbers, sources, texts, tags, authorIDs, authorNames,
		channelIDs, channelNames, links, votes, savedAt, removed)
	if err != nil {
		return sum, fmt.Errorf("import tips: %w", err)
	}
	inserted := map[int]bool{}
	var got int
	if _, err := pgx.ForEachRow(rows, []any{&got}, func() error {
		inserted[got] = true
		return nil
	}); err != nil {
		return sum, fmt.Errorf("import tips: %w", err)
	}
	renumbered := map[int]bool{}
	for _, in := range renumber {
		renumbered[in.index] = true
	}
	slices.SortFunc(fresh, func(a, b importedTip) int { return a.index - b.index })
	for _, in := range fresh {
		number := mine[in.index].number
		switch {
		case !inserted[number]:
			sum.Same = append(sum.Same, SameTip{Number: in.Number})
		case renumbered[in.index]:
			sum.Created++
			sum.Renumbered = append(sum.Renumbered, Renumbering{From: in.Number, To: number})
		default:
			sum.Created++
		}
	}
	return sum, nil
}

// readKnownTips reads the identities of a community's tips, pending ones
// included (they have no number yet).
func readKnownTips(ctx context.Context, tx pgx.Tx, communityID int64) (*knownTips, error) {
	known := &knownTips{bySource: map[string]*knownTip{}, byLink: map[string][]*knownTip{}, byText: map[string][]*knownTip{}, numbers: map[int]bool{}}
	rows, err := tx.Query(ctx, `
		SELECT COALESCE(t.number, 0), COALESCE(t.source_message, ''), t.permalink, md5(t.text),
			COALESCE(m.platform_user_id, ''), t.author_name, t.saved_at
		FROM tips t
		LEFT JOIN members m ON m.community_id = t.community_id AND m.id = t.author_id
		WHERE t.community_id = $1`, communityID)
	if err != nil {
		return nil, fmt.Errorf("read tips: %w", err)
	}
	var (
		t      knownTip
		source string
		at     *time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&t.number, &source, &t.permalink, &t.textSum, &t.authorID, &t.author, &at}, func() error {
		k := t
		if at != nil {
			k.savedAt = *at
		}
		known.add(&k, source)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read tips: %w", err)
	}
	return known, nil
}
