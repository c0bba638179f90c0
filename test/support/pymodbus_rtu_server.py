"""A Modbus RTU server (slave) on a tty, built from pymodbus' own RTU framer, request
decoder and datastore, for tests of our Modbus master against code no one here wrote.

pymodbus' StartSerialServer needs pyserial-asyncio, which Debian's python3-pymodbus only
recommends; this loop does the byte I/O with the standard library and hands every byte
to pymodbus, which frames, checks the CRC, decodes, executes and encodes the reply.

Usage: /usr/bin/python3 pymodbus_rtu_server.py <tty> [unit]
stdin commands, one per line:  di <address> <0|1>   |   pulse <address> <ms>   |   hr <address>   |   silent <0|1>   |   ping   |   quit
stdout lines:                  ready   |   coil <address> <0|1>   |   pulsed <address>   |   hr <address> <value>   |   pong   |   error <text>

A pulse holds the input on for <ms> on this process' clock, and past that until one read of
the discrete inputs has been answered: a real module samples its inputs on its own processor,
so a 250 ms PASS is always read by a master polling every 40 ms. Set on and off from the test
process, both commands could reach this process in one read after a stall, and the pulse
would last no time at all.
"""
import os
import select
import sys
import time
import tty

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.factory import ServerDecoder
from pymodbus.framer.rtu_framer import ModbusRtuFramer


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class ReportingCoils(ModbusSequentialDataBlock):
    """Coils that print every change, so the test sees what the master switched."""

    def setValues(self, address, values):
        if not isinstance(values, list):
            values = [values]
        before = self.getValues(address, len(values))
        super().setValues(address, values)
        for i, (old, new) in enumerate(zip(before, values)):
            if bool(old) != bool(new):
                say(f"coil {address + i} {1 if new else 0}")


def main():
    path = sys.argv[1]
    unit = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    inputs = ModbusSequentialDataBlock(0, [0] * 16)
    registers = ModbusSequentialDataBlock(0, [0] * 16)
    slave = ModbusSlaveContext(di=inputs, co=ReportingCoils(0, [0] * 16), hr=registers, ir=ModbusSequentialDataBlock(0, [0] * 16), zero_mode=True)
    context = ModbusServerContext(slaves={unit: slave}, single=False)
    framer = ModbusRtuFramer(ServerDecoder())
    silent = False
    # address -> [monotonic end, read since on]
    pulses = {}

    def execute(request):
        response = request.execute(context[request.unit_id])
        if request.function_code == 2:
            for pulse in pulses.values():
                pulse[1] = True
        response.unit_id = request.unit_id
        if not silent and response.should_respond:
            os.write(fd, framer.buildPacket(response))

    say("ready")
    stdin = sys.stdin.fileno()
    pending = b""
    while True:
        now = time.monotonic()
        for address, (end, read) in list(pulses.items()):
            if read and now >= end:
                inputs.setValues(address, [0])
                del pulses[address]
                say(f"pulsed {address}")
        # A pulse past its end waits for a read, which wakes select() anyway.
        running = [end - now for end, _ in pulses.values() if end > now]
        timeout = min(running) if running else None
        readable, _, _ = select.select([fd, stdin], [], [], timeout)
        if fd in readable:
            data = os.read(fd, 512)
            try:
                framer.processIncomingPacket(data, execute, unit=[unit], single=False)
            except Exception as exc:  # pymodbus' own server resets the frame the same way
                say(f"error {exc}")
                framer.resetFrame()
        if stdin in readable:
            # os.read, not readline: a buffered reader would hide queued lines from select().
            chunk = os.read(stdin, 4096)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                parts = line.decode().split()
                if not parts:
                    continue
                if parts[0] == "quit":
                    return
                if parts[0] == "di" and len(parts) == 3:
                    inputs.setValues(int(parts[1]), [int(parts[2])])
                elif parts[0] == "pulse" and len(parts) == 3:
                    inputs.setValues(int(parts[1]), [1])
                    pulses[int(parts[1])] = [time.monotonic() + int(parts[2]) / 1000, False]
                elif parts[0] == "hr" and len(parts) == 2:
                    say(f"hr {parts[1]} {registers.getValues(int(parts[1]), 1)[0]}")
                elif parts[0] == "ping":
                    say("pong")
                elif parts[0] == "silent" and len(parts) == 2:
                    silent = parts[1] == "1"
                else:
                    say(f"error unknown command {line.decode().strip()}")


if __name__ == "__main__":
    main()
