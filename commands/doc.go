// Package commands is copbot's core: it parses the /cop grammar, routes each
// command to the handler of its family, and turns platform events into calls
// on the knowledge store. Core implements bot.Handler, so every adapter gets
// the same behaviour.
//
// # Map
//
// Files are named by feature stem, the same stems as in package knowledge,
// so a behaviour's core file and store file sit side by side:
//
//	community_   settings (/cop config), facilitators, isolation of communities
//	inbox        recorded events applied after the acknowledgement (runInbox),
//	             what is dropped on purpose, giving way to acknowledgements
//	jobs         every worker (addWorkers) and periodic job with its interval
//	             (periodicJobs), the background (StartBackground), notices
//	             delivered once (jobs_notices.go), the console's hand-moved
//	             clock that runs due work in copbot dev (jobs_clock.go)
//	mentoring    /cop mentor: requests, offers, matching notices, invitations
//	objectives   /cop objective and /cop checkin, reminders, charts
//	practice     the repository: save, search, tips, tags, capture of reactions,
//	             removal
//	pulse        /cop stats, the weekly digest, engagement refreshes, stories
//
// core.go, router.go, parse.go, errors.go, help.go and repeats.go are the
// plumbing every family shares; helpers_test.go holds the tests' shared
// helpers (a core with its background work, console scripts, a chat).
//
// # How to add a subcommand
//
//  1. Write its handler in the family's file (e.g. a "rename" case in the
//     subcommands of objectives.go), reading arguments with the request's
//     commandArgs and returning usagef or a knowledge.InvalidError for bad
//     input. A new family is a method returning a family, listed in NewCore.
//  2. If only some members may use it, the store method it calls checks the
//     right (knowledge/community_rights.go); wrap the handler in
//     forFacilitators only to refuse members before reading their input.
//  3. Add it to Discord's command tree (families in bot/discord/commands.go):
//     TestCommands_MirrorTheGrammar fails until you do.
//  4. Add it to the family's Usage lines, which /cop help shows:
//     TestRouter_UsageShowsEverySubcommand fails until you do. Add a row to
//     the README's Commands table: TestRouter_ReadmeListsEveryCommand fails
//     until you do. Show it in a golden transcript
//     (cmd/copbot/testdata/*.script; go test ./cmd/copbot -run TestDev_Scripts -update).
//
// # How to add a job
//
//  1. Declare its arguments in the feature's store file (a struct with Kind,
//     and InsertOpts if it sends something: knowledge.NoticeQueue) and insert
//     it in the transaction of the data it follows (STYLE.md, habit 7).
//  2. Write its worker in the feature's core file; a job that sends a notice
//     finds its community with jobCommunity and delivers through
//     deliverClaimed, so a retried job never sends twice.
//  3. Register the worker in addWorkers (jobs.go); a recurring job also gets
//     a line with its interval in periodicJobs.
//
// # How to add a migration
//
// Add the next numbered file to migrations/ (NNN_what.sql, one more than the
// last): plain SQL, applied
// by tern at start under an advisory lock, never edited once it has shipped.
// Every table of community data carries community_id, with composite foreign
// keys into the community's rows.
package commands
