package knowledge_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newStore gives a test a store on its own fresh database.
func newStore(tb testing.TB) *knowledge.Store {
	tb.Helper()
	s, err := knowledge.NewStore(dbtest.Pool(tb), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
