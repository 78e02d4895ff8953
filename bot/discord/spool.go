package discord

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/copbot/copbot/bot"
)

// spool keeps gateway events the core could not record, one fsynced file
// per event named by its place in line, until they are replayed. A file is
// written under a temporary name and renamed, so a crash leaves either the
// whole event or nothing. One process owns a spool directory at a time (an
// advisory lock), so shards must not share one.
type spool struct {
	dir  string
	lock *os.File

	mu      sync.Mutex
	pending []string // file names, oldest first
	next    uint64
	gauge   interface{ Set(float64) }
}

// spooled is the file format; V lets a later copbot read an older spool.
type spooled struct {
	V     int        `json:"v"`
	Event *bot.Event `json:"event"`
}

const spoolExt = ".event.json"

// openSpool opens (creating) the spool directory, takes its lock and finds
// the events a previous run left behind.
func openSpool(dir string, gauge interface{ Set(float64) }) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open spool lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("spool %s is in use by another copbot (give each shard its own COPBOT_SPOOL_DIR): %w", dir, err)
	}
	s := &spool{dir: dir, lock: lock, next: 1, gauge: gauge}
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("read spool directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		n, err := strconv.ParseUint(strings.TrimSuffix(name, spoolExt), 10, 64)
		if err != nil || !strings.HasSuffix(name, spoolExt) {
			continue
		}
		s.pending = append(s.pending, name)
		s.next = max(s.next, n+1)
	}
	sort.Strings(s.pending) // zero-padded numbers sort in order
	s.gauge.Set(float64(len(s.pending)))
	return s, nil
}

// Close releases the lock; spooled events stay for the next run.
func (s *spool) Close() error { return s.lock.Close() }

// Len is the number of events waiting.
func (s *spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Append writes ev durably at the end of the line.
func (s *spool) Append(ev *bot.Event) error {
	data, err := json.Marshal(spooled{V: 1, Event: ev})
	if err != nil {
		return fmt.Errorf("encode spooled event: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := fmt.Sprintf("%020d%s", s.next, spoolExt)
	if err := writeDurably(s.dir, name, data); err != nil {
		return fmt.Errorf("spool event %s: %w", ev.ID, err)
	}
	s.next++
	s.pending = append(s.pending, name)
	s.gauge.Set(float64(len(s.pending)))
	return nil
}

// Head reads the oldest event. A file that cannot be read is set aside
// with a ".bad" suffix and reported, so one broken file cannot stop the line.
func (s *spool) Head() (ev *bot.Event, name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.pending) > 0 {
		name = s.pending[0]
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		var rec spooled
		if err == nil {
			err = json.Unmarshal(data, &rec)
		}
		if err == nil && rec.Event != nil {
			return rec.Event, name, nil
		}
		if err == nil {
			err = errors.New("no event in file")
		}
		s.pending = s.pending[1:]
		s.gauge.Set(float64(len(s.pending)))
		moveErr := os.Rename(filepath.Join(s.dir, name), filepath.Join(s.dir, name+".bad"))
		return nil, "", errors.Join(fmt.Errorf("spooled event %s set aside: %w", name, err), moveErr)
	}
	return nil, "", nil
}

// Done removes the oldest event after the core recorded it. Should the
// removal not survive a crash, the event is replayed once more under its
// id, which the core ignores.
func (s *spool) Done(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 || s.pending[0] != name {
		return fmt.Errorf("spool: %s is not the oldest event", name)
	}
	s.pending = s.pending[1:]
	s.gauge.Set(float64(len(s.pending)))
	if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove replayed event: %w", err)
	}
	return nil
}

// writeDurably writes name in dir so that after a crash it is either
// complete or absent: a temporary file, fsync, rename, fsync of the directory.
func writeDurably(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
