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
