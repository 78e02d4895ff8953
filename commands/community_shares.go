package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) shareCommand() family {
	return family{
		Name:    "share",
		Summary: "offer a tip to a partner community; its facilitators accept or decline",
		Usage: []string{
			"share <tip> <community>",
			"share [list]",
			"share accept <offer>",
			"share decline <offer>",
		},
		Examples: []string{"share 12 frontend", "share", "share accept 3", "share decline 3"},
		Notes: "Any member offers a tip to a partner community (its facilitators list them with `/cop partner`); the partner's facilitators are told, " +
			"and `accept` adds it to their repository as a tip of their own that says where it came from and links to its source. " +
			"`/cop share` lists the offers waiting for your answer (facilitators) and those made from here. Tips from private or " +
			"excluded channels stay in their community.",
		Handler: handlerFunc(c.share),
	}
}

// share routes /cop share: a tip's number offers it, a word is a
// subcommand ("offer" is the Discord form's name for the first).
func (c *Core) share(ctx context.Context, req *request) (bot.Reply, error) {
	t, ok := req.Args.Peek()
	if !ok {
		return c.shareList(ctx, req)
	}
	if t.Kind == wordToken && t.Key == "" {
		switch w := strings.ToLower(t.Text); w {
		case "list", "accept", "decline", "offer":
			req.Args.Shift()
			req.Path = "share " + w
			switch w {
			case "list":
				return c.shareList(ctx, req)
			case "accept":
				return forFacilitators(c.shareAccept)(ctx, req)
			case "decline":
				return forFacilitators(c.shareDecline)(ctx, req)
			}
		}
	}
	return c.shareOffer(ctx, req)
}

func (c *Core) shareOffer(ctx context.Context, req *request) (bot.Reply, error) {
	number, ok := 0, false
	if t, found := req.Args.Shift(); found && (t.Kind == wordToken || t.Kind == tagToken) {
		number, ok = itemNumber(t.Text)
	}
	target, found := req.Args.Shift()
	if !ok || !found || req.Args.Len() > 0 || target.Kind != wordToken && target.Kind != quotedToken {
		return bot.Reply{}, usagef("share", "Give the tip's number and the partner community: `/cop share 12 frontend`.")
	}
	to, err := c.communityArg(ctx, req, target.Text)
	if err != nil {
		return bot.Reply{}, partnerError(err, to, req.Community)
	}
	reader, err := c.reader(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	offer, made, err := c.store.OfferTip(ctx, reader, number, to)
	if errors.Is(err, knowledge.ErrNotFound) {
		return bot.Reply{}, tipNotFound(err, number)
	}
	if err != nil {
		return bot.Reply{}, partnerError(err, to, req.Community)
	}
	name := bot.Untrusted(to.NameFrom(req.Community))
	answer := bot.Textf("`%s`", bot.Untrusted(fmt.Sprintf("/cop in %s share accept %d", to.Label(), offer.Number)))
	if made {
		return bot.Reply{Text: bot.Textf("Offered tip %d to %s (their offer %d). Its facilitators are told; they add it to their "+
			"repository with %s.", number, name, offer.Number, answer)}, nil
	}
	switch offer.State {
	case knowledge.OfferAccepted:
		return bot.Reply{Text: bot.Textf("Tip %d was offered to %s already, and they accepted it: it is their tip %d.", number, name, offer.SharedAs)}, nil
	case knowledge.OfferDeclined:
		return bot.Reply{Text: bot.Textf("Tip %d was offered to %s already, and they declined it.", number, name)}, nil
	}
	return bot.Reply{Text: bot.Textf("Tip %d was offered to %s already (their offer %d) and waits for an answer: %s.",
		number, name, offer.Number, answer)}, nil
}

// shareList shows the offers waiting for an answer here (to facilitators)
// and the offers made from here (a member's own; all, to facilitators).
func (c *Core) shareList(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("share", "`/cop share` alone lists the offers; to offer a tip, give its number and the community.")
	}
	here := req.Community
	var t bot.Text
	var buttons []bot.Button
	if req.Member.IsFacilitator {
		received, err := c.store.OffersReceived(ctx, req.Member)
		if err != nil {
			return bot.Reply{}, err
		}
		if len(received) > 0 {
			t = t.Line("Tips partners offered %s, waiting for an answer:", bot.Untrusted(here.Label()))
		}
		for _, o := range received {
			t = t.Line("• offer %d: %s · `/cop share accept %d` or `/cop share decline %d`", o.Number,
				sourcedTipLine(o.From.NameFrom(here), o.Tip), o.Number, o.Number)
			if len(buttons) < 4 {
				buttons = append(buttons, bot.Button{Label: fmt.Sprintf("Accept offer %d", o.Number), Command: fmt.Sprintf("share accept %d", o.Number), Style: "primary"},
					bot.Button{Label: fmt.Sprintf("Decline offer %d", o.Number), Command: fmt.Sprintf("share decline %d", o.Number)})
			}
		}
	}
	made, err := c.store.OffersMade(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(made) > 0 {
		whose := "you"
		if req.Member.IsFacilitator {
			whose = here.Label()
		}
		t = t.Line("Tips %s offered lately:", bot.Untrusted(whose))
	}
	for _, o := range made {
		state := "waiting for an answer"
		switch o.State {
		case knowledge.OfferAccepted:
			state = fmt.Sprintf("accepted, their tip %d", o.SharedAs)
		case knowledge.OfferDeclined:
			state = "declined"
		}
		t = t.Line("• tip %d to %s: %s", o.Tip.Number, bot.Untrusted(o.To.NameFrom(here)), state)
	}
	if len(t) == 0 {
		t = bot.Plain("No offers to answer or made lately. `/cop share <tip> <community>` offers a tip to a partner community (facilitators list them with `/cop partner`).")
	}
	return bot.Reply{Text: t, Buttons: buttons}, nil
}

// offerNumber reads the one offer number an answer names.
func offerNumber(req *request) (int, error) {
	if t, ok := req.Args.Shift(); ok && req.Args.Len() == 0 && (t.Kind == wordToken || t.Kind == tagToken) {
		if n, ok := itemNumber(t.Text); ok {
			return n, nil
		}
	}
	return 0, usagef("share", fmt.Sprintf("Which offer? Give its number, like `/cop %s 3`; `/cop share` lists them.", req.Path))
}

func (c *Core) shareAccept(ctx context.Context, req *request) (bot.Reply, error) {
	n, err := offerNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	offer, tip, err := c.store.AcceptOffer(ctx, req.Member, n)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("Accepted offer %d: it is tip %d here now, shared from %s #%d. Tag it with `/cop tag %d #tag`.",
		n, tip.Number, bot.Untrusted(offer.From.NameFrom(req.Community)), offer.Tip.Number, tip.Number)}, nil
}

func (c *Core) shareDecline(ctx context.Context, req *request) (bot.Reply, error) {
	n, err := offerNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	offer, err := c.store.DeclineOffer(ctx, req.Member, n)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("Declined offer %d (%s #%d); nothing was added.", n,
		bot.Untrusted(offer.From.NameFrom(req.Community)), offer.Tip.Number)}, nil
}

// shareOfferWorker tells the facilitators of a community that a partner
// offered it a tip, each once (sendOnce), while the offer is open.
type shareOfferWorker struct {
	river.WorkerDefaults[knowledge.ShareOfferArgs]
	core *Core
}

func (w *shareOfferWorker) Work(ctx context.Context, job *river.Job[knowledge.ShareOfferArgs]) error {
	c, a := w.core, job.Args
	offer, facilitators, err := c.store.ShareOfferNotice(ctx, a)
	if errors.Is(err, knowledge.ErrNotFound) {
		return nil // the community or the tip is gone, and the offer with it
	}
	if err != nil {
		return err
	}
	if offer.State != knowledge.OfferOpen {
		return nil
	}
	ref := refOf(offer.To)
	from := offer.From.NameFrom(offer.To)
	t := bot.Textf("*%s* offers %s a tip (offer %d):", bot.Untrusted(from), bot.Untrusted(offer.To.Label()), offer.Number)
	t = t.Line("%s", sourcedTipLine(from, offer.Tip))
	t = t.Line("`/cop share accept %d` adds it to the repository, saying where it came from; `/cop share decline %d` declines it.",
		offer.Number, offer.Number)
	reply := bot.Reply{Text: t, Buttons: []bot.Button{
		{Label: "Accept", Command: fmt.Sprintf("share accept %d", offer.Number), Style: "primary"},
		{Label: "Decline", Command: fmt.Sprintf("share decline %d", offer.Number)},
	}}
	notices := make([]bot.Notice, 0, len(facilitators))
	for _, f := range facilitators {
		notices = append(notices, bot.Notice{Community: ref, UserID: f.PlatformUserID, Reply: reply})
	}
	return c.sendOnce(ctx, notices,
		func(ctx context.Context, to string) (bool, error) {
			return c.store.ClaimShareNotice(ctx, a.To, a.Number, to)
		},
		func(to string) claim {
			return claim{
				release:   func(ctx context.Context) error { return c.store.ReleaseShareNotice(ctx, a.To, a.Number, to) },
				delivered: func(ctx context.Context) error { return c.store.ShareNoticeDelivered(ctx, a.To, a.Number, to) },
			}
		})
}
