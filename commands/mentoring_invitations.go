package commands

import (
	"context"
	"strings"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// invitationWorker sends one invitation to mentor, by direct message, with
// a ready-made offer and a "No thanks".
type invitationWorker struct {
	river.WorkerDefaults[knowledge.InvitationArgs]
	core *Core
}

func (w *invitationWorker) Work(ctx context.Context, job *river.Job[knowledge.InvitationArgs]) error {
	c, args := w.core, job.Args
	inv, claimed, err := c.store.ClaimInvitation(ctx, args)
	if err != nil || !claimed {
		return heldSnooze(err)
	}
	ref := bot.CommunityRef{Platform: bot.Platform(inv.Community.Platform), ExternalID: inv.Community.ExternalID}
	t := bot.Textf("Hi %s! Members saved and voted for your tips %d times in the last 90 days: what you share helps. "+
		"Would you mentor a newcomer now and then? You choose the topics and how many at once, and you can pause any time.",
		bot.Untrusted(inv.Member.Name()), inv.Votes)
	offer := bot.Button{Label: "Tell me more", Command: "help mentor"}
	if len(inv.Tags) > 0 {
		offer = bot.Button{Label: "Offer to mentor on " + hashTags(inv.Tags), Command: "mentor offer " + strings.Join(inv.Tags, " "),
			Style: "primary"}
		t = t.Append(bot.Textf(" For example on %s: `/cop mentor offer %s`.", bot.Untrusted(hashTags(inv.Tags)),
			bot.Untrusted(strings.Join(inv.Tags, " "))))
	}
	t = t.Append(bot.Plain(" This is the only time I'll ask."))
	n := bot.Notice{Community: ref, UserID: inv.Member.PlatformUserID, Reply: bot.Reply{Text: t,
		Buttons: []bot.Button{offer, {Label: "No thanks", Command: "mentor invitation decline"}}}}
	return c.deliverClaimed(ctx, n, claim{
		release:   func(ctx context.Context) error { return c.store.ReleaseInvitation(ctx, args) },
		delivered: func(ctx context.Context) error { return c.store.InvitationDelivered(ctx, args) },
	})
}

// mentorInvitation answers an invitation to mentor: `decline` says no
// thanks for good.
func (c *Core) mentorInvitation(ctx context.Context, req *request) (bot.Reply, error) {
	w, ok := req.Args.ShiftWord()
	if !ok || w != "decline" || req.Args.Len() > 0 {
		return bot.Reply{}, mentorUsage("To say no thanks to mentoring, use `/cop mentor invitation decline`.")
	}
	if err := c.store.DeclineInvitation(ctx, req.Member); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Plain("No problem, I won't ask again. If you change your mind: `/cop mentor offer <topics>`.")}, nil
}
