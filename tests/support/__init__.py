"""Helpers the tests share: paths, stand-in servers, process handling, test data builders."""
