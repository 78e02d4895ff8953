package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// exportDoc is the JSON shape of `copbot export --format json`, which
// `copbot import` reads back.
type exportDoc struct {
	Community string                  `json:"community"`
	Tips      []knowledge.ExportedTip `json:"tips"`
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const synopsis = "copbot export [--community] COMMUNITY [--format json|md|csv] [--include-removed]"
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	community := fs.String("community", "", "community to export: slack:<team id>, discord:<guild id> or console, then /<name> for a community other than the workspace's default one (or give it as an argument)")
	format := fs.String("format", "json", "json, md or csv")
	includeRemoved := fs.Bool("include-removed", false, "include tips that left the repository")
	if err := parseFlags(fs, args, stdout, synopsis); err != nil {
		return err
	}
	// The community may come as the argument, before or after the flags.
	rest := fs.Args()
	if *community == "" && len(rest) > 0 {
		*community, rest = rest[0], rest[1:]
		if err := parseFlags(fs, rest, stdout, synopsis); err != nil {
			return err
		}
		rest = fs.Args()
	}
	if len(rest) > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected arguments %q; usage: %s", rest, synopsis)}
	}
	if *community == "" {
		return &usageError{msg: "which community? usage: " + synopsis}
	}
	ref, name, err := bot.ParseCommunity(*community)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	write, ok := map[string]func(io.Writer, string, []knowledge.ExportedTip) error{
		"json": writeJSON, "md": writeMarkdown, "csv": writeCSV,
	}[*format]
	if !ok {
		return &usageError{msg: fmt.Sprintf("--format %q: want json, md or csv", *format)}
	}
	store, done, err := openStore(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	c, err := store.FindCommunity(ctx, string(ref.Platform), ref.ExternalID, name)
	if errors.Is(err, knowledge.ErrNotFound) {
		return fmt.Errorf("community %s has no data in this database", *community)
	} else if err != nil {
		return err
	}
	tips, err := store.ExportTips(ctx, c.ID, *includeRemoved)
	if err != nil {
		return err
	}
	ref.Name = c.Name
	return write(stdout, ref.String(), tips)
}

func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const synopsis = "copbot import [--community COMMUNITY] [--file F]"
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	community := fs.String("community", "", "community to import into (default: the file's)")
	file := fs.String("file", "-", "JSON file written by copbot export, - for standard input")
	if err := parseFlags(fs, args, stdout, synopsis); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected arguments %q; usage: %s", fs.Args(), synopsis)}
	}
	in := stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		defer f.Close()
		in = f
	}
	var doc exportDoc
	dec := json.NewDecoder(io.LimitReader(in, 1<<30))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return &usageError{msg: "read export: " + err.Error()}
	}
	target := doc.Community
	if *community != "" {
		target = *community
	}
	ref, name, err := bot.ParseCommunity(target)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	store, done, err := openStore(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	// A workspace's default community is made on first contact; a named
	// one only with /cop community create.
	c, err := store.Community(ctx, string(ref.Platform), ref.ExternalID)
	if name != "" {
		c, err = store.CommunityNamed(ctx, string(ref.Platform), ref.ExternalID, name)
		if errors.Is(err, knowledge.ErrNotFound) {
			return fmt.Errorf("community %s does not exist: create it in chat with /cop community create %s #channel", target, name)
		}
	}
	if err != nil {
		return err
	}
	if from, _, err := bot.ParseCommunity(doc.Community); err == nil && from.Platform != ref.Platform {
		// A user id of one platform names nobody on another: the tips keep
		// their authors' names only.
		for i := range doc.Tips {
			doc.Tips[i].AuthorID = ""
		}
	}
	sum, err := store.ImportTips(ctx, c.ID, doc.Tips)
	if err != nil {
		return err
	}
	ref.Name = c.Name
	writeImportSummary(stdout, ref.String(), sum)
	return nil
}

// writeImportSummary says what an import did: the tips it created, those
// of them it renumbered (from the file's number to the new one), and those
// it skipped because the community had them already.
func writeImportSummary(w io.Writer, community string, sum knowledge.ImportSummary) {
	fmt.Fprintf(w, "copbot: imported %d of %d tips into %s: %d created, %d already there\n",
		sum.Created, sum.Tips, community, sum.Created, len(sum.Same))
	if len(sum.Renumbered) > 0 {
		moves := make([]string, len(sum.Renumbered))
		for i, r := range sum.Renumbered {
			moves[i] = fmt.Sprintf("%d → %d", r.From, r.To)
		}
		fmt.Fprintf(w, "copbot: %d renumbered, their numbers being taken here: %s\n", len(sum.Renumbered), strings.Join(moves, ", "))
	}
	if len(sum.Same) > 0 {
		same := make([]string, len(sum.Same))
		for i, t := range sum.Same {
			switch {
			case t.Here == 0:
				same[i] = fmt.Sprintf("%d (waiting for its capture here)", t.Number)
			case t.Here != t.Number:
				same[i] = fmt.Sprintf("%d (tip %d here)", t.Number, t.Here)
			default:
				same[i] = strconv.Itoa(t.Number)
			}
		}
		fmt.Fprintf(w, "copbot: %d skipped as the same tips already there: %s\n", len(sum.Same), strings.Join(same, ", "))
	}
}

// openStore connects to DATABASE_URL for a one-off command.
func openStore(ctx context.Context, stderr io.Writer) (*knowledge.Store, func(), error) {
	cfg, err := loadConfig(true)
	if err != nil {
		return nil, nil, err
	}
	pool, err := openDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	store, err := knowledge.NewStore(pool, newLogger(stderr, cfg.Level(slog.LevelInfo)))
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store, pool.Close, nil
}

func writeJSON(w io.Writer, community string, tips []knowledge.ExportedTip) error {
	if tips == nil {
		tips = []knowledge.ExportedTip{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(exportDoc{Community: community, Tips: tips})
}

func writeCSV(w io.Writer, _ string, tips []knowledge.ExportedTip) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"number", "text", "author", "channel", "permalink", "tags", "votes", "saved_at"})
	for _, t := range tips {
		_ = cw.Write([]string{strconv.Itoa(t.Number), inertCell(t.Text), inertCell(t.Author), inertCell(t.Channel),
			inertCell(t.Permalink), inertCell(strings.Join(t.Tags, " ")), strconv.Itoa(t.Votes), t.SavedAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// inertCell keeps a spreadsheet from reading people's text as a formula: a
// cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe, which spreadsheets show as text.
func inertCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// markdownLink is a permalink fit for a Markdown link: http or https
// only (an imported file may hold anything), with nothing that could end
// the link early.
func markdownLink(permalink string) string {
	u, err := url.Parse(permalink)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u.String())
}

// markdownEscaper puts a backslash before every character Markdown (and the
// HTML it allows) could read as formatting, so that people's text in a wiki
// page stays their text: no links, images, headings or tags of theirs.
var markdownEscaper = func() *strings.Replacer {
	var pairs []string
	for _, c := range "\\`*_{}[]()<>#+-.!|~" {
		pairs = append(pairs, string(c), "\\"+string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// writeMarkdown groups tips by tag, ready for a wiki; a tip with several
// tags appears under each, untagged ones last.
func writeMarkdown(w io.Writer, community string, tips []knowledge.ExportedTip) error {
	byTag := map[string][]knowledge.ExportedTip{}
	for _, t := range tips {
		if len(t.Tags) == 0 {
			byTag[""] = append(byTag[""], t)
		}
		for _, tag := range t.Tags {
			byTag[tag] = append(byTag[tag], t)
		}
	}
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		if tag != "" {
			tags = append(tags, tag)
		}
	}
	sort.Strings(tags)
	if _, ok := byTag[""]; ok {
		tags = append(tags, "")
	}
	var b strings.Builder
	noun := "tips"
	if len(tips) == 1 {
		noun = "tip"
	}
	fmt.Fprintf(&b, "# Practice repository of %s\n\n%d %s, exported %s.\n", community, len(tips), noun, time.Now().UTC().Format("2006-01-02"))
	for _, tag := range tags {
		if tag == "" {
			b.WriteString("\n## Untagged\n\n")
		} else {
			fmt.Fprintf(&b, "\n## #%s\n\n", markdownEscaper.Replace(tag))
		}
		for _, t := range byTag[tag] {
			text := strings.ReplaceAll(markdownEscaper.Replace(strings.TrimSpace(t.Text)), "\n", "\n  ")
			fmt.Fprintf(&b, "- **%d.** %s", t.Number, text)
			if t.Author != "" {
				fmt.Fprintf(&b, " — %s", markdownEscaper.Replace(t.Author))
			}
			if t.Votes > 0 {
				fmt.Fprintf(&b, " (%d votes)", t.Votes)
			}
			if t.Removed {
				b.WriteString(" (removed)")
			}
			if link := markdownLink(t.Permalink); link != "" {
				fmt.Fprintf(&b, " [source](%s)", link)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
