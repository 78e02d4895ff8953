package commands

import (
	"context"
	"sync"
	"unicode/utf8"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// dropTooLong marks the captures of messages longer than a tip may be as
// gone, so that CompleteCaptures drops their pending tips instead of saving
// them, and returns them with their lengths. Slack allows 40,000
// characters, which is knowledge.MaxTipText, so this is for platforms (or
// fakes) that send more.
func dropTooLong(done []knowledge.Captured) []tooLongCapture {
	var out []tooLongCapture
	for i := range done {
		c := &done[i]
		if c.Gone {
			continue
		}
		if n := utf8.RuneCountInString(c.Message.Text); n > knowledge.MaxTipText {
			c.Gone = true
			out = append(out, tooLongCapture{item: c.Item, length: n})
		}
	}
	return out
}

type tooLongCapture struct {
	item   knowledge.CaptureItem
	length int
}

// refuseTooLong tells each member whose reaction found a message too long
// to save, privately, why no tip came of it.
func (c *Core) refuseTooLong(ctx context.Context, refused []tooLongCapture) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, fetchConcurrency)
	for _, r := range refused {
		if r.item.ReactorID == "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.notify(ctx, bot.Notice{
				Community: bot.CommunityRef{Platform: bot.Platform(r.item.Platform), ExternalID: r.item.ExternalID},
				ChannelID: r.item.ChannelID, UserID: r.item.ReactorID,
				Reply: bot.Reply{Text: bot.Textf("That message is %d characters long, too long for a tip; the limit is %d.",
					r.length, knowledge.MaxTipText)},
			})
		})
	}
	wg.Wait()
}
