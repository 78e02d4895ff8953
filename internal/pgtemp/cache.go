package pgtemp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// fromCache fills data with a copy of a cached pristine cluster, creating
// the cache entry with initdb first if there is none. Entries are keyed by
// the server binary, so an upgraded PostgreSQL gets a new one.
func fromCache(ctx context.Context, cacheDir, bin, data string, cred *syscall.Credential) error {
	key, err := cacheKey(bin)
	if err != nil {
		return err
	}
	entry := filepath.Join(cacheDir, "pgdata-"+key)
	if _, err := os.Stat(filepath.Join(entry, "PG_VERSION")); err != nil {
		if err := fillCache(ctx, cacheDir, entry, bin, cred); err != nil {
			return err
		}
	}
	if err := copyTree(entry, data, cred); err != nil {
		return fmt.Errorf("copy cached cluster: %w", err)
	}
	return nil
}

// fillCache runs initdb into a private directory and renames it into place,
// so concurrent copbot processes never see a half-written entry; the loser
// of a race discards its own.
func fillCache(ctx context.Context, cacheDir, entry, bin string, cred *syscall.Credential) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	work, err := os.MkdirTemp(baseDir(cred != nil), "copbot-initdb-")
	if err != nil {
		return fmt.Errorf("create initdb directory: %w", err)
	}
	defer os.RemoveAll(work)
	if cred != nil {
		if err := os.Chown(work, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("hand initdb directory to postgres user: %w", err)
		}
	}
	if err := initdb(ctx, bin, filepath.Join(work, "data"), cred); err != nil {
		return err
	}
	staged, err := os.MkdirTemp(cacheDir, ".staging-")
	if err != nil {
		return fmt.Errorf("stage cache entry: %w", err)
	}
	defer os.RemoveAll(staged)
	if err := copyTree(filepath.Join(work, "data"), filepath.Join(staged, "data"), nil); err != nil {
		return fmt.Errorf("stage cache entry: %w", err)
	}
	if err := os.Rename(filepath.Join(staged, "data"), entry); err != nil {
		if _, statErr := os.Stat(filepath.Join(entry, "PG_VERSION")); statErr == nil {
			return nil // another process filled it first
		}
		return fmt.Errorf("store cache entry: %w", err)
	}
	return nil
}

func cacheKey(bin string) (string, error) {
	fi, err := os.Stat(filepath.Join(bin, "postgres"))
	if err != nil {
		return "", fmt.Errorf("stat postgres binary: %w", err)
	}
	h := sha256.New()
	fmt.Fprint(h, bin, fi.Size(), fi.ModTime().UnixNano(), "initdb -A trust -E UTF8 --locale=C v1")
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// copyTree copies a directory tree with its permissions, handing every entry
// to cred's user when cred is set.
func copyTree(src, dst string, cred *syscall.Credential) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unexpected file type %s", path, strconv.Quote(d.Type().String()))
		}
		if cred != nil {
			return os.Lchown(target, int(cred.Uid), int(cred.Gid))
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
