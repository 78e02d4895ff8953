package knowledge

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Search ranks only the best-voted matches: enough for the page asked for,
// at least minCandidates, at most maxCandidates. A common word then costs
// the same as a rare one: the work is bounded by the candidates, not by how
// many tips match.
const (
	minCandidates = 50
	maxCandidates = 200
)

// SearchQuery is what /cop search asks for.
type SearchQuery struct {
	// Words uses web search syntax: "quoted phrases", -excluded, or.
	Words    string
	Tags     []string
	AuthorID *int64
	// Language is the community's search language; default SearchLanguage.
	Language string
	Offset   int
	Limit    int
	// Reader is who searches: a guest sees what the guests setting allows
	// (Readable).
	Reader Reader
}

// Reader is a member who reads the repository, with, for a guest, the
// channels they are in as the platform says.
type Reader struct {
	Member
	// GuestChannels are the channels a guest is in; nil for other members.
	GuestChannels []string
}

// Search finds visible tips by words (stemmed full-text search over text and
// tags), tags and author. Among the best-voted matches it ranks by relevance
// weighted by votes. more is true when another page exists.
func (s *Store) Search(ctx context.Context, communityID int64, q SearchQuery) (tips []Tip, more bool, err error) {
	channels, err := mayRead(ctx, s.pool, q.Reader)
	if err != nil {
		return nil, false, err
	}
	if err := s.checkSearch(ctx, &q); err != nil {
		return nil, false, err
	}
	return s.searchRepos(ctx, q, []searchRepo{{communityID: communityID, language: q.Language, channels: channels}})
}

// SearchWithPartners is Search over the community's repository and those of
// its partners now (mutualPartners), ranked together the same way, each
// partner's tips matched in its own search language. Of a partner's
// repository it finds only what partners are shown (shownToPartners).
// Guests search this community only, and from: names a member of it, so
// neither goes with partners. It returns the partners searched, for
// telling where each tip comes from (Tip.CommunityID).
func (s *Store) SearchWithPartners(ctx context.Context, communityID int64, q SearchQuery) (tips []Tip, more bool, partners []Community, err error) {
	if err := mayReadPartners(q.Reader); err != nil {
		return nil, false, nil, err
	}
	if q.AuthorID != nil {
		return nil, false, nil, invalidf("`from:` names a member of this community, so it does not go with `in:partners`; search one or the other.")
	}
	if err := s.checkSearch(ctx, &q); err != nil {
		return nil, false, nil, err
	}
	repos, err := mutualPartners(ctx, s.pool, communityID)
	if err != nil {
		return nil, false, nil, err
	}
	search := []searchRepo{{communityID: communityID, language: q.Language}}
	for _, p := range repos {
		partners = append(partners, p.Community)
		search = append(search, searchRepo{communityID: p.ID, language: p.language, partner: true})
	}
	tips, more, err = s.searchRepos(ctx, q, search)
	return tips, more, partners, err
}

// checkSearch refuses a search with nothing to look for, or only words
// too short or too common; it sets the query's default language.
func (s *Store) checkSearch(ctx context.Context, q *SearchQuery) error {
	words := strings.TrimSpace(q.Words)
	if words == "" && len(q.Tags) == 0 && q.AuthorID == nil {
		return invalidf("Tell me what to look for, for example `/cop search flaky tests`.")
	}
	if words != "" && len(q.Tags) == 0 && q.AuthorID == nil && utf8.RuneCountInString(words) < 2 {
		return invalidf("“%s” is too short to search for; try a whole word.", words)
	}
	if q.Language == "" {
		q.Language = SearchLanguage
	}
	if words != "" {
		var nodes int
		if err := s.pool.QueryRow(ctx, `SELECT numnode(websearch_to_tsquery($1::regconfig, $2))`, q.Language, words).Scan(&nodes); err != nil {
			return fmt.Errorf("parse search words: %w", err)
		}
		switch {
		case nodes > 0:
		case !strings.ContainsFunc(words, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }):
			return invalidf("“%s” has no word in it to search for: type a word, like `/cop search flaky tests`.", words)
		default:
			return invalidf("“%s” has only words too common to search for; add a more specific one.", words)
		}
	}
	return nil
}

// searchRepo is one repository a search reads: a community with its
// search language, the channels a guest may read (nil: all), and whether
// it is a partner's, which shows partners less (shownToPartners).
type searchRepo struct {
	communityID int64
	language    string
	channels    []string
	partner     bool
}

// searchRepos ranks the matches of q in each repository and merges them:
// in each, the best-voted matching tips are the candidates; all of them
// are then ordered by ts_rank_cd × (1 + ln(1 + votes)).
func (s *Store) searchRepos(ctx context.Context, q SearchQuery, repos []searchRepo) (tips []Tip, more bool, err error) {
	words := strings.TrimSpace(q.Words)
	limit := max(1, min(q.Limit, 50))
	var tags []string
	if len(q.Tags) > 0 {
		tags = normalizeTags(q.Tags)
	}
	// The conditions name the words' tsquery inline, never through a CTE or
	// join, and QueryExecModeExec plans each search with its own values: the
	// planner then folds the (immutable) tsquery into a constant and uses the
	// words' statistics to choose between walking the votes index (common
	// words) and the GIN index (rare ones).
	args := []any{pgx.QueryExecModeExec}
	arg := func(v any) string { // numbers a parameter where it is used
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)-1)
	}
	candidates := fmt.Sprint(min(max(q.Offset+limit+1, minCandidates), maxCandidates))
	var with, ranked []string
	for i, r := range repos {
		where := []string{`t.community_id = ` + arg(r.communityID), `t.state = 'saved'`, `t.removed_at IS NULL`}
		rank := `0`
		if words != "" {
			tsq := `websearch_to_tsquery(` + arg(r.language) + `::regconfig, ` + arg(words) + `)`
			where = append(where, `t.tsv @@ `+tsq)
			rank = `ts_rank_cd(t.tsv, ` + tsq + `, 32)`
		}
		if len(tags) > 0 {
			where = append(where, `t.tags @> `+arg(tags))
		}
		if q.AuthorID != nil {
			where = append(where, `t.author_id = `+arg(*q.AuthorID))
		}
		if r.channels != nil {
			where = append(where, `t.channel_id = ANY(`+arg(r.channels)+`)`)
		}
		if r.partner {
			where = append(where, shownToPartners)
		}
		cand := fmt.Sprintf("cand%d", i)
		with = append(with, cand+` AS MATERIALIZED (
			SELECT t.* FROM tips t
			WHERE `+strings.Join(where, " AND ")+`
			ORDER BY t.votes DESC, t.id DESC
			LIMIT `+candidates+`
		)`)
		ranked = append(ranked, `SELECT t.*, `+rank+` AS rank FROM `+cand+` t`)
	}
	rows, err := s.pool.Query(ctx, `
		WITH `+strings.Join(with, ", ")+`
		SELECT `+tipColumns+` FROM (`+strings.Join(ranked, " UNION ALL ")+`) t
		ORDER BY t.rank * (1 + ln(1 + t.votes)) DESC, t.votes DESC, t.id DESC
		OFFSET `+arg(q.Offset)+` LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("search tips: %w", err)
	}
	return collectPage(rows, limit)
}

// Browse orders for Tips.
const (
	BrowseTop    = "top"
	BrowseRecent = "recent"
	// BrowseMine is the reader's own tips (those they wrote), newest first.
	BrowseMine = "mine"
)

// Tips browses the visible tips reader may see, best-voted or newest
// first, or their own, optionally by tag.
func (s *Store) Tips(ctx context.Context, reader Reader, order, tag string, offset, limit int) ([]Tip, bool, error) {
	channels, err := mayRead(ctx, s.pool, reader)
	if err != nil {
		return nil, false, err
	}
	orderBy := "t.votes DESC, t.id DESC"
	if order == BrowseRecent || order == BrowseMine {
		orderBy = "t.saved_at DESC, t.id DESC"
	}
	var author *int64
	if order == BrowseMine {
		author = &reader.ID
	}
	var tags []string
	if tag != "" {
		tags = []string{NormalizeTag(tag)}
	}
	limit = max(1, min(limit, 50))
	rows, err := s.pool.Query(ctx, `
		SELECT `+tipColumns+` FROM tips t
		WHERE t.community_id = $1 AND t.state = 'saved' AND t.removed_at IS NULL
		  AND ($2::text[] IS NULL OR t.tags @> $2) AND ($5::text[] IS NULL OR t.channel_id = ANY($5))
		  AND ($6::bigint IS NULL OR t.author_id = $6)
		ORDER BY `+orderBy+` OFFSET $3 LIMIT $4`, reader.CommunityID, tags, offset, limit+1, channels, author)
	if err != nil {
		return nil, false, fmt.Errorf("browse tips: %w", err)
	}
	return collectPage(rows, limit)
}

// collectPage reads up to limit tips and reports whether there were more.
func collectPage(rows pgx.Rows, limit int) ([]Tip, bool, error) {
	defer rows.Close()
	var tips []Tip
	for rows.Next() {
		t, err := scanTip(rows)
		if err != nil {
			return nil, false, fmt.Errorf("scan tip: %w", err)
		}
		tips = append(tips, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read tips: %w", err)
	}
	if len(tips) > limit {
		return tips[:limit], true, nil
	}
	return tips, false, nil
}
