// Package pgtemp starts a throwaway PostgreSQL cluster from the machine's own
// server binaries, for `copbot dev` and for tests. The cluster lives in a
// temporary directory, listens only on a Unix socket inside it, and is removed
// by Stop. Nothing is ever downloaded.
package pgtemp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries is returned when initdb and postgres cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; " +
	"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL to an existing database")

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	dir      string
	bin      string
	cred     *syscall.Credential
	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error
	logFile  *os.File
	database string
	durable  bool
}

// Options tune Start. A nil *Options uses the defaults.
type Options struct {
	// Database is created after start and named in URL; default "copbot".
	Database string
	// BinDir overrides the search for the server binaries.
	BinDir string
	// CacheDir, when set, keeps one pristine initdb output there (per server
	// binary) and copies it for each new cluster, which is several times
	// faster than running initdb. The clusters are still new and thrown away.
	CacheDir string
	// Durable keeps PostgreSQL's own durability settings (fsync,
	// synchronous_commit, full_page_writes), for measurements and fault
	// tests where a commit must mean what it means in production. Without
	// it they are off: the cluster is thrown away, so durability buys
	// nothing.
	Durable bool
}

// DefaultCacheDir is where copbot keeps its pristine cluster: the user's
// cache directory, or "" (no cache) when there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "copbot")
}

// Start creates a cluster in a new temporary directory and waits until it
// accepts connections. When the process runs as root the server runs as the
// "postgres" user, because PostgreSQL refuses to run as root.
func Start(ctx context.Context, opts *Options) (*Cluster, error) {
	if opts == nil {
		opts = &Options{}
	}
	db := opts.Database
	if db == "" {
		db = "copbot"
	}
	bin := opts.BinDir
	if bin == "" {
		var err error
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp(baseDir(cred != nil), "copbot-pg-")
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c := &Cluster{dir: dir, bin: bin, cred: cred, database: db, durable: opts.Durable}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("hand cluster directory to postgres user: %w", err)
		}
	}

	data := filepath.Join(dir, "data")
	if opts.CacheDir == "" {
		err = initdb(ctx, bin, data, cred)
	} else {
		err = fromCache(ctx, opts.CacheDir, bin, data, cred)
	}
	if err != nil {
		return nil, err
	}

	if c.logFile, err = os.Create(filepath.Join(dir, "postgres.log")); err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	if err := c.startServer(); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, c.createDatabase); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// startServer runs postgres on the cluster's data directory.
func (c *Cluster) startServer() error {
	args := []string{"-D", filepath.Join(c.dir, "data"), "-k", c.dir, "-c", "listen_addresses=",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB"}
	if !c.durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.cmd = exec.Command(filepath.Join(c.bin, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = c.logFile, c.logFile
	// Own process group so a terminal's Ctrl-C reaches only copbot, which then
	// stops the server in order; Pdeathsig ends the server if copbot dies hard.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	c.exited = exited
	cmd := c.cmd
	go func() {
		c.exitErr = cmd.Wait()
		close(exited)
	}()
	return nil
}

func initdb(ctx context.Context, bin, data string, cred *syscall.Credential) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// waitReady polls the socket until the server answers, then creates the
// database (or, on a restart, until the database answers).
func (c *Cluster) waitReady(ctx context.Context, ready func(context.Context) error) error {
	deadline := time.Now().Add(30 * time.Second)
	sock := filepath.Join(c.dir, ".s.PGSQL.5432")
	for {
		if _, err := os.Stat(sock); err == nil {
			if err := ready(ctx); err == nil {
				return nil
			} else if time.Now().After(deadline) {
				return fmt.Errorf("create database %s: %w", c.database, err)
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited during start (%v): %s", c.exitErr, c.tailLog())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %s", c.tailLog())
		}
	}
}

func (c *Cluster) createDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.DatabaseURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.database}.Sanitize())
	return err
}

// Dir is the cluster's directory; its Unix socket lives there.
func (c *Cluster) Dir() string { return c.dir }

// URL is a connection string for the cluster's database over the Unix socket.
func (c *Cluster) URL() string { return c.DatabaseURL(c.database) }

// DatabaseURL is a connection string for another database of the cluster.
func (c *Cluster) DatabaseURL(database string) string {
	q := url.Values{"host": {c.dir}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + database, RawQuery: q.Encode()}).String()
}

// Stop shuts the server down and removes the directory. It is safe to call
// more than once.
func (c *Cluster) Stop() {
	c.shutdownServer()
	if c.logFile != nil {
		c.logFile.Close()
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}

// Shutdown stops the server but keeps its data, for tests that take the
// database away for a while; Restart brings it back.
func (c *Cluster) Shutdown() { c.shutdownServer() }

// Restart starts the server again after Shutdown and waits until it accepts
// connections.
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.startServer(); err != nil {
		return err
	}
	return c.waitReady(ctx, func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		return conn.Close(ctx)
	})
}

func (c *Cluster) shutdownServer() {
	if c.cmd == nil || c.cmd.Process == nil || c.exited == nil {
		return
	}
	select {
	case <-c.exited:
		return
	default:
	}
	// SIGINT is PostgreSQL's fast shutdown; SIGQUIT if it lingers. A frozen
	// server is thawed first, or it would never hear either.
	_ = c.signalAll(syscall.SIGCONT)
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		<-c.exited
	}
}

// Signal sends sig to the server, for tests that crash or stop it on purpose.
func (c *Cluster) Signal(sig os.Signal) error { return c.cmd.Process.Signal(sig) }

// Crash stops the server as a crash would (PostgreSQL's immediate
// shutdown: no checkpoint, crash recovery at the next start) and keeps its
// data; Restart brings it back.
func (c *Cluster) Crash() error {
	if err := c.Signal(syscall.SIGQUIT); err != nil {
		return fmt.Errorf("crash postgres: %w", err)
	}
	<-c.exited
	return nil
}

// Freeze stops every process of the server (SIGSTOP) without closing a
// connection: the database hangs rather than refuses, as it does behind a
// stalled disk or network. Thaw lets it go on.
func (c *Cluster) Freeze() error { return c.signalAll(syscall.SIGSTOP) }

// Thaw undoes Freeze.
func (c *Cluster) Thaw() error { return c.signalAll(syscall.SIGCONT) }

// signalAll signals the postmaster and each of its children. A backend is
// its own process group (PostgreSQL calls setsid for each), so signalling
// the postmaster's group would miss the connections already open.
func (c *Cluster) signalAll(sig syscall.Signal) error {
	pid := c.cmd.Process.Pid
	pids := []int{pid}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(strings.Fields(string(b))[0])
			pids = append(pids, child)
		}
	}
	if sig == syscall.SIGCONT {
		slices.Reverse(pids) // children first, so none waits on a stopped postmaster
	}
	for _, p := range pids {
		if err := syscall.Kill(p, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal postgres process %d: %w", p, err)
		}
	}
	return nil
}

func (c *Cluster) tailLog() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// FindBinDir locates a directory holding initdb and postgres: first PATH, then
// the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
func FindBinDir() (string, error) { return findBinDir(exec.LookPath, "/usr/lib/postgresql") }

func findBinDir(lookPath func(string) (string, error), debianRoot string) (string, error) {
	if p, err := lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin"))
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// baseDir picks where the cluster directory goes: the temporary directory,
// unless its path is too long for the Unix socket inside it (the kernel allows
// about 107 bytes) or, when the server runs as another user, that user could
// not reach it; then /tmp.
func baseDir(otherUser bool) string {
	tmp := os.TempDir()
	if len(tmp) > 60 || (otherUser && !traversable(tmp)) {
		return "/tmp"
	}
	return tmp
}

// traversable reports whether every directory on the path lets others in.
func traversable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// serverCredential is nil when the server can run as the current user, and the
// postgres user's identity when the current user is root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the \"postgres\" user, which does not exist (%w); "+
			"create it (useradd --system postgres) or run copbot as another user", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
