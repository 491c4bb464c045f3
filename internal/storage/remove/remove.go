// Package remove deletes a container's directory tree without ever
// deleting anything that does not belong to it.
//
// LXC's recursive delete only stops at a different st_dev, so a bind mount
// of a host directory on the same filesystem is descended into and emptied,
// and it clears immutable flags on files it cannot unlink (user-needs §1
// item 9). Here every directory is opened relative to its parent with
// O_NOFOLLOW, so a symlink is only ever unlinked, never followed; every
// mount below the tree is detached first (a killed container can leave its
// bind mounts behind), and a directory whose mount ID differs from the top's
// is never entered, so a mount that could not be detached survives intact;
// immutable files make the removal fail instead of being "fixed".
package remove

// Options tunes RemoveAll.
type Options struct {
	// Keep lists names directly below the top directory that are left in
	// place if they are non-empty directories (LXC keeps "snaps" this way).
	Keep []string
	// KeepTop leaves the top directory itself (only its contents go).
	KeepTop bool
	// Last lists files directly below the top directory that are removed
	// only after everything else went (a marker that must outlive what it
	// marks, so that an interrupted removal can be recognised and resumed).
	Last []string
	// NoDetach refuses instead of detaching the mounts found below the tree.
	NoDetach bool
	// Warn receives one line per mount detached (may be nil).
	Warn func(msg string)
}
