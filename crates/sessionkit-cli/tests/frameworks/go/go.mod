module sessionsserver

go 1.19
