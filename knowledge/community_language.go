package knowledge

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SearchLanguage is the text search configuration a community's tips are
// stemmed with until a facilitator chooses another (`/cop config language`).
const SearchLanguage = "english"

// tipLanguage is the SQL for a community's search language; %s names the
// community id (a column or a parameter). New tips take it when they are
// saved, so a tip is stemmed in the language of its community.
const tipLanguage = `COALESCE((SELECT value FROM community_settings
	WHERE community_id = %s AND key = 'language'), '` + SearchLanguage + `')::regconfig`

func languageOf(community string) string { return fmt.Sprintf(tipLanguage, community) }

var languageName = regexp.MustCompile(`^[a-z_]{2,63}$`)

func normalizeLanguage(v string) (string, error) {
	name := strings.ToLower(v)
	if !languageName.MatchString(name) {
		return "", invalidf("%q is not a language name; try `english`, `german`, `french` or `simple`.", v)
	}
	return name, nil
}

// languageChanged checks that PostgreSQL has the language, and queues the
// re-indexing of the community's tips in the transaction that changes it.
func languageChanged(ctx context.Context, tx pgx.Tx, s *Store, communityID int64, name string) error {
	var known []string
	if err := tx.QueryRow(ctx, `SELECT array_agg(cfgname::text ORDER BY cfgname) FROM pg_ts_config`).Scan(&known); err != nil {
		return fmt.Errorf("list text search languages: %w", err)
	}
	found := false
	for _, k := range known {
		found = found || k == name
	}
	if !found {
		return invalidf("Search cannot stem %q; the languages here are %s.", name, strings.Join(known, ", "))
	}
	if _, err := s.jobs.InsertTx(ctx, tx, RestemArgs{CommunityID: communityID}, nil); err != nil {
		return fmt.Errorf("queue re-indexing: %w", err)
	}
	return nil
}

// RestemArgs is the job that re-indexes a community's tips in its current
// search language after a facilitator changed it.
type RestemArgs struct {
	CommunityID int64 `json:"community_id"`
}

// Kind names the job for river.
func (RestemArgs) Kind() string { return "restem_tips" }

// restemBatch is how many tips one statement of Restem re-indexes, so that
// a large repository is never locked whole.
const restemBatch = 5000

// Restem re-indexes the community's tips that are stemmed in another
// language than its current one, a batch at a time, and returns how many it
// changed. It reads the setting for each batch, so that after two quick
// changes every job ends in the latest language.
func (s *Store) Restem(ctx context.Context, communityID int64) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `
			UPDATE tips SET lang = `+languageOf("$1")+`
			WHERE community_id = $1 AND id IN (
				SELECT id FROM tips WHERE community_id = $1 AND lang <> `+languageOf("$1")+` LIMIT $2)`,
			communityID, restemBatch)
		if err != nil {
			return total, fmt.Errorf("re-index tips: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < restemBatch {
			return total, nil
		}
	}
}
