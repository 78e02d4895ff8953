package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/pgtemp"
	"github.com/copbot/copbot/internal/slackfake"
)

// The fake Slack's credentials, which copbot is given.
const (
	botToken = "xoxb-bench-token"
	secret   = "bench-signing-secret"
	team     = "TBENCH"
)

// env is one run's world: the database, the fake Slack and copbot.
type env struct {
	cluster *pgtemp.Cluster
	pool    *pgxpool.Pool
	slack   *slackfake.Server
	copbot  *process
	url     string // copbot's HTTP base
	client  *http.Client
	tmp     string
}

func setUp(ctx context.Context, cfg config, log func(string, ...any)) (*env, error) {
	e := &env{}
	ok := false
	defer func() {
		if !ok {
			e.tearDown()
		}
	}()
	var err error
	if e.tmp, err = os.MkdirTemp("", "copbench-"); err != nil {
		return nil, err
	}
	bin := cfg.copbot
	if bin == "" {
		bin = filepath.Join(e.tmp, "copbot")
		log("building copbot")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/copbot").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build copbot (run copbench from the repository, or give -copbot): %v\n%s", err, out)
		}
	}
	log("starting a durable throwaway PostgreSQL (fsync, synchronous_commit and full_page_writes on)")
	if e.cluster, err = pgtemp.Start(ctx, &pgtemp.Options{Durable: true, CacheDir: pgtemp.DefaultCacheDir()}); err != nil {
		return nil, err
	}
	e.slack = slackfake.New(&slackfake.Options{BotToken: botToken, DiscardPosts: true,
		Synthesize: func(_, ts string) (slackfake.Message, bool) {
			return slackfake.Message{TS: ts, User: "UAUTHOR", Text: "Tip from message " + ts + " #bench"}, true
		}})
	e.slack.AddUser(slackfake.User{ID: "UAUTHOR", Name: "author"})

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	e.url = "http://" + addr
	log("starting copbot serve on %s", addr)
	e.copbot, err = start(bin, []string{
		"DATABASE_URL=" + e.cluster.URL(), "COPBOT_HTTP_ADDR=" + addr, "COPBOT_LOG_LEVEL=warn",
		"SLACK_BOT_TOKEN=" + botToken, "SLACK_SIGNING_SECRET=" + secret, "SLACK_API_URL=" + e.slack.APIURL(),
	})
	if err != nil {
		return nil, err
	}
	if err := waitReady(ctx, e.url+"/readyz"); err != nil {
		return nil, fmt.Errorf("%w\ncopbot's log:\n%s", err, e.copbot.log())
	}
	cfgPool, err := pgxpool.ParseConfig(e.cluster.URL())
	if err != nil {
		return nil, err
	}
	cfgPool.MaxConns = int32(cfg.senders + 4)
	if e.pool, err = pgxpool.NewWithConfig(ctx, cfgPool); err != nil {
		return nil, err
	}
	e.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: cfg.senders * 4, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute,
	}}
	ok = true
	return e, nil
}

func (e *env) tearDown() {
	if e.copbot != nil {
		e.copbot.stop()
	}
	if e.pool != nil {
		e.pool.Close()
	}
	if e.slack != nil {
		e.slack.Close()
	}
	if e.cluster != nil {
		e.cluster.Stop()
	}
	if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("copbot not ready within 60s (%v)", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// process is copbot running, with its memory watched.
type process struct {
	cmd     *exec.Cmd
	logFile *os.File
	peak    atomic.Int64 // bytes
	done    chan struct{}
}

func start(bin string, env []string) (*process, error) {
	logFile, err := os.CreateTemp("", "copbench-copbot-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start copbot: %w", err)
	}
	p := &process{cmd: cmd, logFile: logFile, done: make(chan struct{})}
	go p.watchMemory()
	return p, nil
}

// watchMemory samples the resident set every 20 ms; the kernel's own
// high-water mark (VmHWM) is read too, so a peak between samples counts.
func (p *process) watchMemory() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			for _, field := range []string{"VmRSS:", "VmHWM:"} {
				if b := statusKB(p.cmd.Process.Pid, field) * 1024; b > p.peak.Load() {
					p.peak.Store(b)
				}
			}
		}
	}
}

func statusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func (p *process) peakRSS() int64 {
	if b := statusKB(p.cmd.Process.Pid, "VmHWM:") * 1024; b > p.peak.Load() {
		p.peak.Store(b)
	}
	return p.peak.Load()
}

func (p *process) log() string {
	b, _ := os.ReadFile(p.logFile.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (p *process) stop() {
	close(p.done)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
	}
	p.logFile.Close()
	os.Remove(p.logFile.Name())
}
