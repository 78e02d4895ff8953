package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// objectiveSpec is what add and edit read from the command: each field is
// nil when it was not given.
type objectiveSpec struct {
	title, unit, cadence, tag *string
	target                    *float64
	due                       *time.Time
	owner                     *knowledge.Member
}

// parseObjectiveSpec reads `keyword value` pieces and the title. Problems
// with what was typed are collected, so that one reply names them all.
// Adding takes the title as the words left over; editing takes it only
// after `title`, so that a stray word never renames an objective.
func (c *Core) parseObjectiveSpec(ctx context.Context, req *request, adding bool) (objectiveSpec, []string, error) {
	var spec objectiveSpec
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	word := func(name, example string) (string, bool) {
		v, found, has := req.Args.Option(name)
		switch {
		case !found:
			return "", false
		case !has || (v.Kind != wordToken && v.Kind != quotedToken):
			problem("Put a value after `%s`, like `%s %s`.", name, name, c.dated(example))
			return "", false
		}
		return v.Text, true
	}
	if s, ok := word("target", "5"); ok {
		if a, err := knowledge.ParseAmount(s); err != nil {
			problem("The target: %s", err)
		} else if err := knowledge.CheckTarget(a.Value); err != nil {
			problem("%s", err)
		} else {
			spec.target = &a.Value
		}
	}
	if s, ok := word("due", "{+7m}"); ok {
		if d, err := knowledge.ParseDate(s); err != nil {
			problem("The due date: %s", err)
		} else {
			spec.due = &d
		}
	}
	if s, ok := word("unit", "workshops"); ok {
		spec.unit = &s
	}
	if s, ok := word("cadence", "weekly"); ok {
		s = strings.ToLower(s)
		spec.cadence = &s
	}
	if s, ok := word("title", `"Share five teaching strategies"`); ok {
		spec.title = &s
	}
	if s, ok := word("tag", "none"); ok {
		if !strings.EqualFold(s, "none") {
			problem("Give the tag with #, like `#teaching`, or remove it with `tag none`.")
		} else {
			none := ""
			spec.tag = &none
		}
	}
	if v, found, has := req.Args.Option("owner"); found {
		if !has || v.Kind != mentionToken {
			problem("Name the owner with a mention, like `owner @ada`.")
		} else {
			m, err := c.member(ctx, req, v)
			var invalid *knowledge.InvalidError
			switch {
			case errors.As(err, &invalid):
				problem("%s", err)
			case err != nil:
				return spec, nil, err
			default:
				spec.owner = &m
			}
		}
	}
	switch tags := req.Args.Tags(); {
	case len(tags) > 1:
		problem("An objective follows one #tag; pick one of %s.", hashTags(tags))
	case len(tags) == 1:
		spec.tag = &tags[0]
	}
	// What is left is the title: one quoted string, or plain words.
	var quoted, words []string
	for _, t := range req.Args.take(func(token) bool { return true }) {
		switch {
		case t.Kind == quotedToken && t.Key == "":
			quoted = append(quoted, t.Text)
		case t.Kind == wordToken && t.Key == "":
			words = append(words, t.Text)
		default:
			problem("I don't know what to do with `%s` here.", t.Text)
		}
	}
	switch {
	case !adding:
	case spec.title == nil && len(quoted) == 1:
		spec.title, quoted = &quoted[0], nil
	case spec.title == nil && len(quoted) == 0 && len(words) > 0:
		title := strings.Join(words, " ")
		spec.title, words = &title, nil
	}
	if rest := append(quoted, words...); len(rest) > 0 && !adding {
		problem("I don't know what to do with `%s`; a new title goes after `title`, in quotes, and the rest after its keyword "+
			"(`target`, `due`, `unit`, …); a unit of several words goes in quotes too, like `unit \"peer reviews\"`.", strings.Join(rest, " "))
	} else if len(rest) > 0 {
		problem("I don't know what to do with `%s`; put the title in quotes and the rest after its keyword (`target`, `due`, `cadence`, …); "+
			"a unit of several words goes in quotes too, like `unit \"peer reviews\"`.", strings.Join(rest, " "))
	}
	return spec, problems, nil
}

// mentions reports whether a problem about the named piece is listed.
func mentions(problems []string, piece string) bool {
	for _, p := range problems {
		if strings.HasPrefix(p, piece) {
			return true
		}
	}
	return false
}

// objectiveProblems turns the problems with an add or edit into one answer
// with the subcommand's usage.
func objectiveProblems(sub string, problems []string) error {
	msg := problems[0]
	if len(problems) > 1 {
		msg = "A few things to fix:"
		for _, p := range problems {
			msg += "\n• " + p
		}
	}
	for _, u := range objectiveUsage {
		if strings.HasPrefix(u, "objective "+sub+" ") {
			msg += "\nUsage: `/cop " + u + "`"
		}
	}
	return &knowledge.InvalidError{Msg: msg}
}

// objectiveNumber consumes the objective number that starts a command's
// arguments; "3" and "#3" both work.
func objectiveNumber(req *request) (int, error) {
	t, ok := req.Args.Shift()
	if ok && (t.Kind == wordToken || t.Kind == tagToken) {
		if n, ok := itemNumber(t.Text); ok {
			return n, nil
		}
	}
	return 0, usagef(firstWord(req.Path), fmt.Sprintf("Which objective? Give its number, like `/cop %s 3`; `/cop objective list` shows them.", req.Path))
}

func objectiveNotFound(err error, number int) error {
	if errors.Is(err, knowledge.ErrNotFound) {
		return &knowledge.InvalidError{Msg: fmt.Sprintf("There is no objective %d; `/cop objective list all` shows them.", number)}
	}
	return err
}
