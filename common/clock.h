/* clock.h — monotonic time and short sleeps, shared by daemon and backend. */
#ifndef WSGATE_CLOCK_H
#define WSGATE_CLOCK_H

/* Returns seconds on the monotonic clock (unaffected by date changes). */
double ws_clock_now(void);

/* Sleeps about ms milliseconds (an interrupted sleep returns early). */
void ws_clock_sleep_ms(long ms);

#endif
