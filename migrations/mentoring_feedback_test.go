package migrations_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/migrations"
)

// TestMigration011_FeedbackCarriedOver migrates a database to 010, writes
// pairings ended with feedback by their mentee, their mentor and a
// facilitator, and one declined without, then applies 011: each feedback
// becomes the ender's own row, on their side, and the old columns are gone.
func TestMigration011_FeedbackCarriedOver(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The files beside this test are the embedded ones; tern steps
	// through them one version at a time.
	m, err := migrate.NewMigrator(ctx, conn, migrations.VersionTable)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `
		INSERT INTO communities (platform, external_id) OVERRIDING SYSTEM VALUE VALUES ('slack', 'T1');
		INSERT INTO members (community_id, id, platform_user_id, display_name) OVERRIDING SYSTEM VALUE
		SELECT c.id, n, 'U' || n, 'm' || n FROM communities c, generate_series(1, 5) n;
		INSERT INTO mentoring_requests (community_id, seq, mentee_id, topics, state, closed_at)
		SELECT c.id, n, 2, ARRAY['testing'], 'closed', now() FROM communities c, generate_series(1, 4) n;
		INSERT INTO pairings (community_id, number, request_id, mentor_id, mentee_id, topics, state,
			closed_at, closed_by, feedback, rating)
		SELECT c.id, r.seq, r.id, 1, 2, ARRAY['testing'], v.state, now() - v.ago * interval '1 day', v.closed_by, v.feedback, v.rating
		FROM communities c
		JOIN mentoring_requests r ON r.community_id = c.id
		JOIN (VALUES (1, 'ended', 3, 2, 'Ada helped', 5), (2, 'ended', 1, 1, '', 4),
		             (3, 'ended', 20, 5, 'Closed for them', NULL), (4, 'declined', 0, 1, '', NULL))
		     AS v (seq, state, ago, closed_by, feedback, rating) ON v.seq = r.seq`)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT p.number, f.member_id, f.side, f.feedback, COALESCE(f.rating, 0),
			f.given_at = p.closed_at
		FROM pairing_feedback f JOIN pairings p ON p.community_id = f.community_id AND p.id = f.pairing_id
		ORDER BY p.number`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var number, member, rating int
		var side, feedback string
		var atEnd bool
		if err := rows.Scan(&number, &member, &side, &feedback, &rating, &atEnd); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %d %s %q %d %t", number, member, side, feedback, rating, atEnd))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{`1 2 mentee "Ada helped" 5 true`, `2 1 mentor "" 4 true`, `3 5 facilitator "Closed for them" 0 true`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("carried over:\n%s\nwant\n%s", got, want)
	}
	var left int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'pairings' AND column_name IN ('feedback', 'rating')`).Scan(&left)
	if err != nil || left != 0 {
		t.Errorf("old columns left: %d, %v", left, err)
	}
}
