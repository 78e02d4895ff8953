package bodygate

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// ErrBusy is the error a request's body fails with when it grows beyond the
// allowance and every slot is taken. Handlers answer it with 503.
var ErrBusy = errors.New("too many large request bodies are being read; try again later")

// Gate hands out the slots. The zero value is not usable; use New.
type Gate struct {
	slots     chan struct{}
	allowance int64
}

// New makes a gate with slots slots for bodies larger than allowance bytes.
func New(slots int, allowance int64) *Gate {
	return &Gate{slots: make(chan struct{}, max(slots, 1)), allowance: max(allowance, 0)}
}

// InUse is how many slots are taken now.
func (g *Gate) InUse() int { return len(g.slots) }

// Handler passes each request to next with its body behind the gate. A
// slot taken is given back when the body ends (read to the end, failed or
// closed) or next returns, whichever comes first.
func (g *Gate) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		b := &body{rc: r.Body, gate: g}
		defer b.release()
		r.Body = b
		next.ServeHTTP(w, r)
	})
}

// body reads up to the allowance (and one byte more, to see whether the
// body ends there) freely, and the rest only while it holds a slot.
type body struct {
	rc   io.ReadCloser
	gate *Gate
	n    int64
	err  error // the body's end, returned again by every later Read
	held atomic.Bool
	done atomic.Bool // given back for good: no slot is taken again
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if !b.held.Load() {
		if b.n > b.gate.allowance {
			if b.done.Load() {
				return 0, ErrBusy // the handler has returned
			}
			select {
			case b.gate.slots <- struct{}{}:
				b.held.Store(true)
			default:
				b.err = ErrBusy
				b.release()
				return 0, ErrBusy
			}
		} else if left := b.gate.allowance + 1 - b.n; int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err != nil {
		b.err = err
		b.release()
	}
	return n, err
}

func (b *body) Close() error {
	b.release()
	return b.rc.Close()
}

// release gives the slot back, if the body holds one, and ends the body.
func (b *body) release() {
	if b.done.Swap(true) {
		return
	}
	if b.held.Load() {
		<-b.gate.slots
	}
}
