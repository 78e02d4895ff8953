package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/loadgen"
)

// The README's target: copbot's resident memory with 2,000 slow unverified
// connections open.
const (
	slowClients   = 2000
	slowMemTarget = 128 << 20
)

// TestServe_SlowClients opens 2,000 connections to the real `copbot serve`
// that each send the headers of a signed-looking Slack event claiming a
// 1 MiB body, then: most send nothing more, or only the 8 KiB any request
// may read without a slot (the most a connection can make copbot hold),
// some trickle a byte at a time, and some send a quarter of a megabyte at
// once and stop. Meanwhile real
// signed events must be acknowledged promptly, the process's peak resident
// memory (VmHWM) must stay under the target, the large bodies beyond the
// gate's slots must get a quick 503, and every stalled connection must be
// closed by the read timeout.
func TestServe_SlowClients(t *testing.T) {
	const secret = "slow-clients-secret"
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// This process and copbot each hold one descriptor a connection; Go
	// raises the soft limit to the hard one at start, in both, and root
	// may raise the hard one (copbot inherits it).
	if need := uint64(slowClients + 500); lim.Cur < need {
		raised := syscall.Rlimit{Cur: need, Max: max(lim.Max, need)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			t.Fatalf("the open file limit is %d and cannot be raised (%v); this test needs %d: ulimit -n %d", lim.Cur, err, need, need)
		}
	}
	addr, stop := startServe(t, "DATABASE_URL="+dbtest.URL(t), "SLACK_BOT_TOKEN=xoxb-slow-test",
		"SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL=http://127.0.0.1:9/api/", "COPBOT_LOG_LEVEL=error")
	serveMu.Lock()
	pid := serving[addr].Process.Pid
	serveMu.Unlock()
	before := statusBytes(t, pid, "VmRSS:")

	// Groups of slow clients: what each does after its headers.
	const trickling, bulky = 200, 100
	stalling := slowClients - trickling - bulky
	opened := time.Now()
	conns := make([]net.Conn, slowClients)
	var dial sync.WaitGroup
	dialErrs := make(chan error, slowClients)
	for i := range conns {
		dial.Go(func() {
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				dialErrs <- err
				return
			}
			conns[i] = c
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			_, err = fmt.Fprintf(c, "POST /slack/events HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
				"X-Slack-Request-Timestamp: %s\r\nX-Slack-Signature: v0=%064d\r\nContent-Length: %d\r\n\r\n", addr, ts, i, 1<<20)
			switch {
			case err != nil:
			case i < bulky:
				_, err = c.Write(bytes.Repeat([]byte("x"), 256<<10))
			case i >= bulky+trickling+stalling/2:
				_, err = c.Write(bytes.Repeat([]byte("x"), bodyAllowance))
			}
			if err != nil {
				dialErrs <- err
			}
		})
	}
	dial.Wait()
	close(dialErrs)
	for err := range dialErrs {
		t.Fatalf("open a slow connection: %v", err)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	t.Logf("%d connections open in %v (%d stalling after their headers, %d after the %d bytes of body any request may read, "+
		"%d trickling, %d sending 256 KiB and stalling)", slowClients, time.Since(opened).Round(time.Millisecond),
		stalling-stalling/2, stalling/2, bodyAllowance, trickling, bulky)
	stopTrickle := make(chan struct{})
	var trickle sync.WaitGroup
	for _, c := range conns[bulky : bulky+trickling] {
		trickle.Go(func() {
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stopTrickle:
					return
				case <-tick.C:
					if _, err := c.Write([]byte("{")); err != nil {
						return
					}
				}
			}
		})
	}

	// Real events, one at a time on fresh connections, while all of that
	// is open.
	var latencies []time.Duration
	for i := range 20 {
		body := loadgen.SlackReaction("T1", fmt.Sprintf("EvSlow%d", i), "reaction_added", "U1", "bulb",
			"C1", fmt.Sprintf("1700000000.%06d", i), "UAUTHOR")
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		loadgen.SignSlack(req.Header, secret, time.Now(), body)
		start := time.Now()
		resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatalf("event %d during the slow connections: %v", i, err)
		}
		resp.Body.Close()
		latencies = append(latencies, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("event %d during the slow connections = %d; want 200", i, resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	slices.Sort(latencies)
	if worst := latencies[len(latencies)-1]; worst > time.Second {
		t.Errorf("slowest acknowledgement during the slow connections took %v; want under 1s", worst)
	}
	during := statusBytes(t, pid, "VmRSS:")
	metrics := get(t, "http://"+addr+"/metrics")
	busy := metricValue(metrics, `copbot_events_rejected_total{platform="slack",reason="busy"}`)
	close(stopTrickle)
	trickle.Wait()

	// The large bodies beyond the slots were refused at once; every other
	// connection is closed by the read timeout, with a 400 or without an
	// answer.
	var refused, closed atomic.Int64
	var wait sync.WaitGroup
	for i, c := range conns {
		wait.Go(func() {
			c.SetReadDeadline(opened.Add(readTimeout + 10*time.Second))
			status, err := http.ReadResponse(bufio.NewReader(c), nil)
			switch {
			case err == nil && status.StatusCode == http.StatusServiceUnavailable:
				refused.Add(1)
				closed.Add(1)
			case err == nil, err == io.EOF, err == io.ErrUnexpectedEOF, isReset(err):
				closed.Add(1)
			default:
				t.Errorf("slow connection %d: %v", i, err)
			}
		})
	}
	wait.Wait()
	peak := statusBytes(t, pid, "VmHWM:")
	t.Logf("copbot resident memory: %.1f MiB before, %.1f MiB during, peak %.1f MiB (target %d MiB); "+
		"acknowledgements during: p50 %v, max %v; large bodies refused with 503: %d (metric %s); closed within %v: %d",
		mib(before), mib(during), mib(peak), slowMemTarget>>20, latencies[len(latencies)/2], latencies[len(latencies)-1],
		refused.Load(), busy, readTimeout+10*time.Second, closed.Load())
	if peak > slowMemTarget {
		t.Errorf("copbot's peak resident memory %.1f MiB; want at most %d MiB", mib(peak), slowMemTarget>>20)
	}
	if refused.Load() == 0 || refused.Load() > bulky-bodySlots {
		t.Errorf("%d of %d large bodies refused with 503; want all but the %d the slots hold", refused.Load(), bulky, bodySlots)
	}
	if busy != strconv.FormatInt(refused.Load(), 10) {
		t.Errorf("copbot_events_rejected_total{reason=\"busy\"} = %q; want the %d refusals counted", busy, refused.Load())
	}
	if closed.Load() != slowClients {
		t.Errorf("%d of %d slow connections closed by the read timeout", closed.Load(), slowClients)
	}
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot serve after SIGTERM: %v\nstderr: %s", err, stderr)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// statusBytes reads a size field of /proc/<pid>/status, such as VmRSS or
// VmHWM (the peak resident set), in bytes.
func statusBytes(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read copbot's memory (Linux /proc): %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("read %s %q: %v", field, rest, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// metricValue is the value of one series in a Prometheus text exposition,
// or "" when it is not there.
func metricValue(exposition, series string) string {
	for line := range strings.Lines(exposition) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
