package bodygate

import (
	"bytes"
	"io"
	"sync"
)

// chunkSize is the unit ReadAll reads in.
const chunkSize = 2 << 10

var chunks = sync.Pool{New: func() any { c := make([]byte, chunkSize); return &c }}

// ReadAll appends all of r to dst. Until r ends, what arrived waits in
// pooled chunks of 2 KiB, and dst grows once, to the body's size: a body
// that stalls half-way holds what arrived rounded up to a chunk, where a
// growing buffer would hold up to twice that and leave the smaller copies
// it outgrew to the collector, once per connection.
func ReadAll(dst *bytes.Buffer, r io.Reader) error {
	var held []*[]byte
	defer func() {
		for _, c := range held {
			chunks.Put(c)
		}
	}()
	n := 0 // bytes in the last chunk
	for {
		if len(held) == 0 || n == chunkSize {
			held = append(held, chunks.Get().(*[]byte))
			n = 0
		}
		m, err := r.Read((*held[len(held)-1])[n:])
		n += m
		if err == io.EOF {
			dst.Grow((len(held)-1)*chunkSize + n)
			for _, c := range held[:len(held)-1] {
				dst.Write(*c)
			}
			dst.Write((*held[len(held)-1])[:n])
			return nil
		}
		if err != nil {
			return err
		}
	}
}
