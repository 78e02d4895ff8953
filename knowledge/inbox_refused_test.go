package knowledge

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRefused: only PostgreSQL refusing the event itself sets it aside;
// the database going away, shutting down, crashing or starting up never
// does (these arrive as PostgreSQL errors too, and a pass that met one
// during a restart once set a good event aside).
func TestIsRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "23502", Message: `null value in column "platform_user_id"`}, true},
		{&pgconn.PgError{Code: "23514"}, true},
		{&pgconn.PgError{Code: "22P02"}, true},
		{fmt.Errorf("apply reactions: %w", &pgconn.PgError{Code: "22001"}), true},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, false},
		{&pgconn.PgError{Code: "57P02", Message: "terminating connection because of crash of another server process"}, false},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, false},
		{&pgconn.PgError{Code: "08006"}, false},
		{&pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, false},
		{&pgconn.PgError{Code: "40P01"}, false},
		{&pgconn.PgError{Code: "42703"}, false}, // a deploy whose code and schema disagree: wait, do not set every event aside
		{&pgconn.PgError{}, false},
		{errors.New("dial unix /tmp/.s.PGSQL.5432: connect: connection refused"), false},
	} {
		if got := IsRefused(tc.err); got != tc.want {
			t.Errorf("IsRefused(%v) = %t, want %t", tc.err, got, tc.want)
		}
	}
}
