package bodygate

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll serves one request with body through g and reports what the
// handler read and the most slots in use while it read.
func readAll(g *Gate, body string) (n int, inUse int, err error) {
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		_, err = b.ReadFrom(r.Body)
		n = b.Len()
	}))
	src := &watched{r: strings.NewReader(body), g: g, inUse: &inUse}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", src))
	return n, inUse, err
}

// watched notes the most slots in use whenever it is read.
type watched struct {
	r     io.Reader
	g     *Gate
	inUse *int
}

func (w *watched) Read(p []byte) (int, error) {
	*w.inUse = max(*w.inUse, w.g.InUse())
	return w.r.Read(p)
}

func TestGate(t *testing.T) {
	g := New(1, 8)
	for _, tc := range []struct {
		name      string
		body      string
		wantInUse int
	}{
		{"UnderTheAllowance", "1234567", 0},
		{"ExactlyTheAllowance", "12345678", 0},
		{"BeyondTakesASlot", "123456789", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, inUse, err := readAll(g, tc.body)
			if err != nil || n != len(tc.body) || inUse != tc.wantInUse {
				t.Errorf("read %d bytes, %d slots in use, %v; want %d, %d, nil", n, inUse, err, len(tc.body), tc.wantInUse)
			}
			if g.InUse() != 0 {
				t.Errorf("%d slots in use after the request; want 0", g.InUse())
			}
		})
	}
}

func TestGate_NoSlotIsBusyAtOnce(t *testing.T) {
	g := New(1, 8)
	stall, release := io.Pipe()
	defer release.Close()
	held := make(chan struct{})
	go g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The 10th byte is beyond the allowance: reading it takes the one
		// slot, so the slot is held once it is read.
		io.CopyN(io.Discard, r.Body, 10)
		close(held)
		io.Copy(io.Discard, r.Body) // until the pipe closes
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader("123456789"), stall)))
	go release.Write([]byte("0"))
	<-held
	if _, _, err := readAll(g, strings.Repeat("x", 100)); !errors.Is(err, ErrBusy) {
		t.Errorf("a second large body while the slot is held: %v; want ErrBusy", err)
	}
	if n, _, err := readAll(g, "small"); err != nil || n != 5 {
		t.Errorf("a small body while the slot is held: %d bytes, %v; want it read", n, err)
	}
}

func TestReadAll(t *testing.T) {
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5*chunkSize + 7} {
		want := bytes.Repeat([]byte("0123456789"), size/10+1)[:size]
		var got bytes.Buffer
		got.WriteString("kept:")
		// One byte at a time, as a slow client sends it.
		if err := ReadAll(&got, iotest.OneByteReader(bytes.NewReader(want))); err != nil || got.String() != "kept:"+string(want) {
			t.Errorf("ReadAll of %d bytes = %d bytes, %v", size, got.Len()-5, err)
		}
	}
	failing := errors.New("connection reset")
	if err := ReadAll(new(bytes.Buffer), io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(failing))); !errors.Is(err, failing) {
		t.Errorf("ReadAll of a failing body: %v; want its error", err)
	}
}
