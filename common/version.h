/* version.h — wsgate's version, in one place (wsgate --version, ws --version). */
#ifndef WSGATE_VERSION_H
#define WSGATE_VERSION_H

#define WS_VERSION "0.1.0"

#endif
