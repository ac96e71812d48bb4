from netverify.cli import run

run()
