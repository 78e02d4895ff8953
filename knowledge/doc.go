// Package knowledge is copbot's domain and its PostgreSQL store: communities
// and their members, facilitators and settings, the practice repository,
// mentoring and objectives built on them, and the community's pulse over them
// all (stats, engagement levels, the weekly digest, value stories). Every
// query is scoped by a community id; the store turns driver errors into the
// domain errors declared in store.go. It knows no chat platform.
//
// # Map
//
// Store is one type; its methods live in files named by feature stem, the
// same stems as in package commands:
//
//	community_   communities and members, settings (community_config.go),
//	             facilitators, search language, and every right
//	             (community_rights.go: who may do what, checked here only)
//	inbox        events recorded at acknowledgement and applied in passes
//	jobs         river queues and notices claimed once (jobs_notices.go)
//	mentoring    offers, requests, matching, pairings, notices, invitations
//	objectives   objectives, check-ins, values, projection, reminders
//	practice     tips, votes from reactions, capture, search, tags, removal,
//	             export and import
//	pulse        stats, engagement levels, kept figures, digest, stories
//
// store.go holds the Store, its errors and transactions; store_locks.go
// every advisory-lock key; repeats.go the guard against a command delivered
// twice; helpers_test.go the tests' shared helpers (newStore, newPractice,
// concurrently).
package knowledge
