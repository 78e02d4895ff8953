// Package knowledge is copbot's domain and its PostgreSQL store: communities
// and their members, facilitators and settings, the practice repository,
// mentoring and objectives built on them, and the community's pulse over them
// all (stats, engagement levels, the weekly digest, value stories). Every
// query is scoped by a community id; the store turns driver errors into the
// domain errors declared here. It knows no chat platform.
package knowledge
