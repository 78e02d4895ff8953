package knowledge_test

import (
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
