// Overlaid into client_golang's prometheus package (go build -overlay) when
// the oracle is built, so that the oracle can drive the histogram's clock the
// way client_golang's own tests do (h.now), instead of sleeping.

package prometheus

import "time"

// SetHistogramClockForOracle makes h read the time from now, starting now.
func SetHistogramClockForOracle(o Observer, now func() time.Time) {
	h := o.(*histogram)
	h.mtx.Lock()
	defer h.mtx.Unlock()
	h.lastResetTime = now()
	h.now = now
}
