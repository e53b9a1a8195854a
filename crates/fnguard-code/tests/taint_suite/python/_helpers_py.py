import os

def run_shell(cmd):
    os.system("sh -c '" + cmd + "'")

def run_fixed(_unused):
    os.system("ls /tmp")

def evaluate(expr):
    return eval(expr)

def find_user(conn, name):
    return conn.execute("SELECT * FROM u WHERE name = '" + name + "'")

def find_user_safe(conn, name):
    return conn.execute("SELECT * FROM u WHERE name = ?", (name,))

class Wrapper:
    def __init__(self, event):
        self.event = event

    def safe(self):
        return "ls"

    def field(self, name):
        return self.event[name]
