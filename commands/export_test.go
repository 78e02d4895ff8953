package commands

// Usage lists every usage line of /cop help, in help's order, as help
// shows it after /cop (placeholders for dates left as written).
func (c *Core) Usage() []string {
	var out []string
	for _, name := range c.router.Names() {
		f, _ := c.router.Lookup(name)
		out = append(out, f.Usage...)
	}
	return out
}
