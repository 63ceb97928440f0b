/* version.h — the one place wsgate's version is written. */
#ifndef WSGATE_VERSION_H
#define WSGATE_VERSION_H

#define WS_VERSION "0.1.0"

#endif
