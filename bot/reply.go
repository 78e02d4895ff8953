package bot

// Visibility says who sees a reply.
type Visibility int

// Replies are private unless they say otherwise: a bot that answers a
// command in front of the whole channel should mean to.
const (
	// Ephemeral replies are seen only by the user who caused the event.
	Ephemeral Visibility = iota
	// InChannel replies are posted for everyone in the channel.
	InChannel
)

// Reply is what the core says back. Its Text keeps user text apart from
// copbot's own words, so each adapter escapes it for its platform on render.
type Reply struct {
	Text       Text
	Visibility Visibility
	Buttons    []Button
	// Files are attachments (a chart). Adapters upload them where the
	// platform allows files and otherwise leave them out; the text must make
	// sense without them.
	Files []File
}

// Button offers a follow-up action. Pressing it runs Command (text after
// "/cop") as the person who pressed it, so buttons need no state of their own
// and every adapter handles them the same way.
type Button struct {
	Label   string
	Command string
	// Style is "" (default), "primary" or "danger".
	Style string
}

// File is an attachment of a reply.
type File struct {
	// Name is the file name with its extension, e.g. "objective-3.png".
	Name string
	// ContentType is the media type, e.g. "image/png".
	ContentType string
	Data        []byte
	// AltText describes the file for people who cannot see it.
	AltText string
}
