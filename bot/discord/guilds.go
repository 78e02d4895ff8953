package discord

import (
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// guildCache keeps the little the adapter needs to know about each guild,
// from the gateway's guild, role, channel and thread events: who owns it,
// each role's permissions (to tell who may manage the server) and, for each
// channel, its name and whether @everyone can see it (copbot captures
// nothing in private channels unless a facilitator allows them). Members,
// messages and presences are not kept.
type guildCache struct {
	mu     sync.RWMutex
	guilds map[string]*guildInfo
}

type guildInfo struct {
	ownerID  string
	roles    map[string]int64 // role id → permissions; the @everyone role has the guild's id
	channels map[string]channelInfo
}

type channelInfo struct {
	name   string
	typ    discordgo.ChannelType
	parent string
	// everyoneAllow and everyoneDeny are the channel's overwrite for @everyone.
	everyoneAllow, everyoneDeny int64
}

// adminPermissions make a member a facilitator by default.
const adminPermissions = discordgo.PermissionAdministrator | discordgo.PermissionManageGuild

func newGuildCache() *guildCache { return &guildCache{guilds: map[string]*guildInfo{}} }

// update applies a gateway event; events it does not track are ignored.
func (c *guildCache) update(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch v := ev.(type) {
	case *discordgo.GuildCreate:
		g := &guildInfo{roles: map[string]int64{}, channels: map[string]channelInfo{}}
		c.guilds[v.ID] = g
		c.setGuild(g, v.Guild)
		for _, ch := range v.Channels {
			g.channels[ch.ID] = info(v.ID, ch)
		}
		for _, th := range v.Threads {
			g.channels[th.ID] = info(v.ID, th)
		}
	case *discordgo.GuildUpdate:
		if g := c.guilds[v.ID]; g != nil {
			c.setGuild(g, v.Guild)
		}
	case *discordgo.GuildDelete:
		delete(c.guilds, v.ID)
	case *discordgo.GuildRoleCreate:
		c.setRole(v.GuildRole)
	case *discordgo.GuildRoleUpdate:
		c.setRole(v.GuildRole)
	case *discordgo.GuildRoleDelete:
		if g := c.guilds[v.GuildID]; g != nil {
			delete(g.roles, v.RoleID)
		}
	case *discordgo.ChannelCreate:
		c.setChannel(v.Channel)
	case *discordgo.ChannelUpdate:
		c.setChannel(v.Channel)
	case *discordgo.ChannelDelete:
		c.deleteChannel(v.Channel)
	case *discordgo.ThreadCreate:
		c.setChannel(v.Channel)
	case *discordgo.ThreadUpdate:
		c.setChannel(v.Channel)
	case *discordgo.ThreadDelete:
		c.deleteChannel(v.Channel)
	case *discordgo.ThreadListSync:
		for _, th := range v.Threads {
			th.GuildID = v.GuildID
			c.setChannel(th)
		}
	}
}

func (c *guildCache) setGuild(g *guildInfo, guild *discordgo.Guild) {
	if guild.OwnerID != "" {
		g.ownerID = guild.OwnerID
	}
	if guild.Roles != nil {
		g.roles = map[string]int64{}
		for _, r := range guild.Roles {
			g.roles[r.ID] = r.Permissions
		}
	}
}

func (c *guildCache) setRole(r *discordgo.GuildRole) {
	if g := c.guilds[r.GuildID]; g != nil && r.Role != nil {
		g.roles[r.Role.ID] = r.Role.Permissions
	}
}

func (c *guildCache) setChannel(ch *discordgo.Channel) {
	if ch == nil {
		return
	}
	if g := c.guilds[ch.GuildID]; g != nil {
		g.channels[ch.ID] = info(ch.GuildID, ch)
	}
}

func (c *guildCache) deleteChannel(ch *discordgo.Channel) {
	if ch == nil {
		return
	}
	if g := c.guilds[ch.GuildID]; g != nil {
		delete(g.channels, ch.ID)
	}
}

func info(guildID string, ch *discordgo.Channel) channelInfo {
	ci := channelInfo{name: ch.Name, typ: ch.Type, parent: ch.ParentID}
	for _, o := range ch.PermissionOverwrites {
		if o.ID == guildID && o.Type == discordgo.PermissionOverwriteTypeRole {
			ci.everyoneAllow, ci.everyoneDeny = o.Allow, o.Deny
		}
	}
	return ci
}

// isAdmin says whether a member with these roles owns the guild or has a
// role that may manage it.
func (c *guildCache) isAdmin(guildID, userID string, roles []string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g := c.guilds[guildID]
	if g == nil {
		return false
	}
	if userID != "" && userID == g.ownerID {
		return true
	}
	perms := g.roles[guildID]
	for _, r := range roles {
		perms |= g.roles[r]
	}
	return perms&adminPermissions != 0
}

// channel returns a channel's name and whether it is private (@everyone
// cannot see it; a private thread; a thread of a private channel). ok is
// false for a channel the cache has not seen.
func (c *guildCache) channel(guildID, channelID string) (name string, private, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g := c.guilds[guildID]
	if g == nil {
		return "", false, false
	}
	ch, ok := g.channels[channelID]
	if !ok {
		return "", false, false
	}
	name = ch.name
	if ch.typ == discordgo.ChannelTypeGuildPrivateThread {
		return name, true, true
	}
	if ch.typ == discordgo.ChannelTypeGuildPublicThread || ch.typ == discordgo.ChannelTypeGuildNewsThread {
		parent, ok := g.channels[ch.parent]
		if !ok {
			return name, false, false
		}
		ch = parent
	}
	return name, !g.everyoneSees(guildID, ch), true
}

func (g *guildInfo) everyoneSees(guildID string, ch channelInfo) bool {
	switch {
	case ch.everyoneDeny&discordgo.PermissionViewChannel != 0:
		return false
	case ch.everyoneAllow&discordgo.PermissionViewChannel != 0:
		return true
	}
	return g.roles[guildID]&(discordgo.PermissionViewChannel|discordgo.PermissionAdministrator) != 0
}

// learnChannel adds a channel fetched over REST (a thread the gateway did
// not announce) and its parent.
func (c *guildCache) learnChannel(ch ...*discordgo.Channel) {
	for _, x := range ch {
		c.mu.Lock()
		c.setChannel(x)
		c.mu.Unlock()
	}
}

// channelNamed finds a guild's channel (not a thread or category) by name,
// case insensitively.
func (c *guildCache) channelNamed(guildID, name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g := c.guilds[guildID]
	if g == nil {
		return "", false
	}
	for id, ch := range g.channels {
		if strings.EqualFold(ch.name, name) && !isThread(ch.typ) && ch.typ != discordgo.ChannelTypeGuildCategory {
			return id, true
		}
	}
	return "", false
}

func isThread(t discordgo.ChannelType) bool {
	return t == discordgo.ChannelTypeGuildPublicThread || t == discordgo.ChannelTypeGuildPrivateThread ||
		t == discordgo.ChannelTypeGuildNewsThread
}
