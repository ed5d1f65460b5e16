module github.com/sessionkit/sessionkit/go

go 1.19
