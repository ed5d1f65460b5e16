module example.com/client

go 1.19

require github.com/sessionkit/sessionkit/go v0.0.0

replace github.com/sessionkit/sessionkit/go => ../
