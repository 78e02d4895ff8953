package knowledge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Domain errors. Commands turn them into friendly answers.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("not allowed")
	// ErrAmbiguous says a name fits several members or things.
	ErrAmbiguous = errors.New("ambiguous")
)

// InvalidError says a value a person typed cannot be used, in words meant
// for that person.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalidf(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is the PostgreSQL store behind every community.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// jobs inserts follow-up jobs in the transaction of the data they
	// follow; it works none (commands.Core.StartBackground's client does).
	jobs *river.Client[pgx.Tx]
	// now is the clock of objectives, check-ins and reminders.
	now func() time.Time
	// linkCode makes the codes of /cop link (community_links.go).
	linkCode func() string

	// communities caches community ids by platform and external id; the
	// mapping never changes once made, and every event needs it.
	communities sync.Map
	// routing caches each workspace's home channels (community_homes.go),
	// forgotten when routingState sees another process change them.
	routing      sync.Map
	routingLoads sync.Map // communityKey → *homesCall being read
	routingState routingState
	// platforms caches the other way, a community's platform by its id,
	// for the queue of its jobs.
	platforms sync.Map
}

// NewStore wraps a pool whose database is migrated.
func NewStore(pool *pgxpool.Pool, log *slog.Logger) (*Store, error) {
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("create insert-only job client: %w", err)
	}
	return &Store{pool: pool, log: log, jobs: jobs, now: time.Now, linkCode: newLinkCode}, nil
}

// SetClock replaces the store's clock (time.Now), so that tests can put
// objectives, check-ins and reminders at chosen times. Call it before the
// store is used.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// SetLinkCodes replaces the maker of link codes (random ones), so that a
// console script can type back the code it was given. Call it before the
// store is used.
func (s *Store) SetLinkCodes(next func() string) { s.linkCode = next }

// Now is the time by the store's clock, for replies that tell times
// relative to it ("yesterday").
func (s *Store) Now() time.Time { return s.now() }

// Pool exposes the pool for components that share it (jobs, health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// inTx runs fn in a transaction that commits when fn returns nil. A
// transaction PostgreSQL aborted for a deadlock or a serialisation failure
// is run again, a few times: transactions that lock many rows at once (an
// inbox pass, a batch of captures) can meet others locking them in another
// order, and each of them is safe to repeat.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := range 3 {
		if err = pgx.BeginFunc(ctx, s.pool, fn); !IsTransient(err) {
			return err
		}
		s.log.DebugContext(ctx, "transaction repeated", "attempt", attempt+1, "error", err)
	}
	return err
}

// notFound maps "no rows" to ErrNotFound and wraps other errors with what.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}
