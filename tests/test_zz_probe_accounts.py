def test_probe(app, world, login):
    c = login(world.resident)
    other = app.test_client()
    r = other.get("/compte/")
    print("other client", r.status_code)
    r = c.get("/compte/")
    print("same client", r.status_code)
