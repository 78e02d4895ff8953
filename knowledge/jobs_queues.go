package knowledge

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
)

// Jobs that need a platform's adapter, to fetch a message or to send a
// notice, go to that platform's queues, which only processes with such an
// adapter work: where the Discord gateway runs apart from the HTTP
// replicas, a Discord notice is never taken by a process that cannot send
// it. Other jobs (planners, pruning, re-indexing) use river's default queue.

// CaptureQueue is the queue of a platform's captures.
func CaptureQueue(platform string) string { return "capture_" + platform }

// NoticeQueue is the queue of a platform's notices: introductions,
// follow-ups, reminders, digests, welcomes, questions and invitations.
func NoticeQueue(platform string) string { return "notices_" + platform }

// platformOf returns a community's platform; the mapping never changes, so
// it is cached.
func (s *Store) platformOf(ctx context.Context, db querier, communityID int64) (string, error) {
	if p, ok := s.platforms.Load(communityID); ok {
		return p.(string), nil
	}
	var platform string
	if err := db.QueryRow(ctx, `SELECT platform FROM communities WHERE id = $1`, communityID).Scan(&platform); err != nil {
		return "", fmt.Errorf("read community %d: %w", communityID, err)
	}
	s.platforms.Store(communityID, platform)
	return platform, nil
}

// noticeOpts returns opts (which may be nil) with the queue of the
// community's notices.
func (s *Store) noticeOpts(ctx context.Context, db querier, communityID int64, opts *river.InsertOpts) (*river.InsertOpts, error) {
	platform, err := s.platformOf(ctx, db, communityID)
	if err != nil {
		return nil, err
	}
	o := river.InsertOpts{}
	if opts != nil {
		o = *opts
	}
	o.Queue = NoticeQueue(platform)
	return &o, nil
}
