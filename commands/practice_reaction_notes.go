package commands

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// reactionNoteWorker tells a member privately that their reaction did not
// do what they may think (knowledge/practice_reaction_notes.go). A note
// may be lost, like a capture's confirmation: it is sent once and not
// retried for ever.
type reactionNoteWorker struct {
	river.WorkerDefaults[knowledge.ReactionNoteArgs]
	core *Core
}

func (w *reactionNoteWorker) Work(ctx context.Context, job *river.Job[knowledge.ReactionNoteArgs]) error {
	c, a := w.core, job.Args
	ref, err := c.jobCommunity(ctx, a.CommunityID)
	if err != nil {
		return err
	}
	channel := "this channel"
	if a.ChannelName != "" {
		channel = "#" + a.ChannelName
	}
	var t bot.Text
	switch a.Note {
	case knowledge.NoteExcluded:
		t = bot.Textf("Reactions in %s don't save tips: facilitators excluded it (`/cop config` lists such channels). "+
			"To keep a message from here, `/cop save <text>`. I'll tell you this once a day.", bot.Untrusted(channel))
	case knowledge.NotePrivate:
		t = bot.Textf("Reactions in %s don't save tips: it is private, and a facilitator has not allowed it "+
			"(`/cop config allow #channel`). To keep a message from here, `/cop save <text>`. I'll tell you this once a day.",
			bot.Untrusted(channel))
	case knowledge.NoteRemoved:
		t = bot.Textf("Tip %d is out of the repository: someone took it out. Your vote is kept and counts again if "+
			"its author or a facilitator brings it back (`/cop restore %d`).", a.TipNumber, a.TipNumber)
	case knowledge.NoteDeleted:
		t = bot.Textf("Tip %d's message was deleted, so the tip stays out of the repository.", a.TipNumber)
	case knowledge.NoteUnvoted:
		t = bot.Textf("You took back the last vote for tip %d, so it left the repository. "+
			"React again with the save emoji to bring it back.", a.TipNumber)
	default:
		return river.JobCancel(fmt.Errorf("reaction note %q unknown", a.Note))
	}
	c.notify(ctx, bot.Notice{Community: ref, ChannelID: a.ChannelID, UserID: a.UserID, Reply: bot.Reply{Text: t}})
	return nil
}
