"""Parking: one contract per operator, many lots (DESIGN.md section 7).

The owner (the deployer) adds lots with their tariffs and gates; vehicles prepay a deposit; a
gate of a lot opens a session at entry and closes it at exit, moving the fee from the
vehicle's deposit to the operator's revenue. Tariffs are versioned: a session keeps the tariff
it entered under. Times are block timestamps in seconds. Fee for a stay of d seconds:
0 if d <= grace; else without a cap (daily_cap == 0) ceil(d / unit) * rate; else
(d // 86400) * cap + min(cap, ceil((d % 86400) / unit) * rate).

Every misuse reverts with a message saying what was wrong (tests/contracts/ lists them all).
"""

from vmchain.lang import (
    Address,
    Contract,
    Event,
    Map,
    block,
    emit,
    msg,
    payable,
    public,
    require,
    transfer,
    view,
)

DAY = 86400


class LotAdded(Event):
    lot_id: int
    grace_seconds: int
    unit_seconds: int
    rate_per_unit: int
    daily_cap: int


class GateAdded(Event):
    lot_id: int
    gate: Address


class GateRemoved(Event):
    lot_id: int
    gate: Address


class Deposited(Event):
    vehicle: Address
    amount: int


class Withdrawn(Event):
    vehicle: Address
    amount: int


class SessionOpened(Event):
    lot_id: int
    vehicle: Address
    entry: int


class SessionClosed(Event):
    lot_id: int
    vehicle: Address
    entry: int
    exit: int
    fee: int


class RevenueWithdrawn(Event):
    to: Address
    amount: int


class Parking(Contract):
    owner: Address
    tariff_version: Map[int, int]  # lot -> current version (0: no such lot)
    grace: Map[tuple[int, int], int]  # (lot, version) -> tariff
    unit: Map[tuple[int, int], int]
    rate: Map[tuple[int, int], int]
    cap: Map[tuple[int, int], int]
    gates: Map[tuple[int, Address], bool]
    deposits: Map[Address, int]
    session_lots: Map[Address, int]  # vehicle -> lot of its open session (0: none)
    entries: Map[Address, int]
    session_versions: Map[Address, int]
    revenue_total: int

    def __init__(self) -> None:
        self.owner = msg.sender

    # -- the operator ----------------------------------------------------------------------

    @public
    def add_lot(
        self, lot_id: int, grace_seconds: int, unit_seconds: int, rate_per_unit: int, daily_cap: int
    ) -> None:
        self._only_owner()
        require(lot_id >= 1, "lot_id must be at least 1")
        require(self.tariff_version[lot_id] == 0, "lot already exists")
        self._tariff(lot_id, grace_seconds, unit_seconds, rate_per_unit, daily_cap)
        emit(LotAdded(lot_id, grace_seconds, unit_seconds, rate_per_unit, daily_cap))

    @public
    def set_tariff(
        self, lot_id: int, grace_seconds: int, unit_seconds: int, rate_per_unit: int, daily_cap: int
    ) -> None:
        self._only_owner()
        require(self.tariff_version[lot_id] > 0, "no such lot")
        self._tariff(lot_id, grace_seconds, unit_seconds, rate_per_unit, daily_cap)

    @public
    def add_gate(self, lot_id: int, gate: Address) -> None:
        self._only_owner()
        require(self.tariff_version[lot_id] > 0, "no such lot")
        require(not self.gates[(lot_id, gate)], "already a gate of this lot")
        self.gates[(lot_id, gate)] = True
        emit(GateAdded(lot_id, gate))

    @public
    def remove_gate(self, lot_id: int, gate: Address) -> None:
        self._only_owner()
        require(self.gates[(lot_id, gate)], "not a gate of this lot")
        del self.gates[(lot_id, gate)]
        emit(GateRemoved(lot_id, gate))

    @public
    def withdraw_revenue(self, to: Address, amount: int) -> None:
        self._only_owner()
        require(amount > 0, "amount must be positive")
        require(amount <= self.revenue_total, "amount exceeds the revenue")
        self.revenue_total -= amount
        transfer(to, amount)
        emit(RevenueWithdrawn(to, amount))

    # -- vehicles --------------------------------------------------------------------------

    @payable
    def deposit(self) -> None:
        require(msg.value > 0, "deposit some value")
        self.deposits[msg.sender] += msg.value
        emit(Deposited(msg.sender, msg.value))

    @public
    def withdraw(self, amount: int) -> None:
        require(self.session_lots[msg.sender] == 0, "vehicle has an open session")
        require(amount > 0, "amount must be positive")
        require(amount <= self.deposits[msg.sender], "insufficient deposit")
        self.deposits[msg.sender] -= amount
        transfer(msg.sender, amount)
        emit(Withdrawn(msg.sender, amount))

    # -- gates -----------------------------------------------------------------------------

    @public
    def enter(self, lot_id: int, vehicle: Address) -> None:
        require(self.gates[(lot_id, msg.sender)], "caller is not a gate of this lot")
        require(self.session_lots[vehicle] == 0, "vehicle already has an open session")
        require(self.deposits[vehicle] > 0, "vehicle has no deposit")
        self.session_lots[vehicle] = lot_id
        self.entries[vehicle] = block.timestamp
        self.session_versions[vehicle] = self.tariff_version[lot_id]
        emit(SessionOpened(lot_id, vehicle, block.timestamp))

    @public
    def exit(self, lot_id: int, vehicle: Address) -> int:
        require(self.gates[(lot_id, msg.sender)], "caller is not a gate of this lot")
        require(self.session_lots[vehicle] == lot_id, "no open session in this lot")
        entry = self.entries[vehicle]
        fee = self._fee(vehicle, block.timestamp)
        require(self.deposits[vehicle] >= fee, "insufficient deposit")
        self.deposits[vehicle] -= fee
        self.revenue_total += fee
        del self.session_lots[vehicle]
        del self.entries[vehicle]
        del self.session_versions[vehicle]
        emit(SessionClosed(lot_id, vehicle, entry, block.timestamp, fee))
        return fee

    # -- views -----------------------------------------------------------------------------

    @view
    def quote(self, lot_id: int, vehicle: Address) -> int:
        if self.session_lots[vehicle] != lot_id or lot_id == 0:
            return 0
        return self._fee(vehicle, block.timestamp)

    @view
    def session_lot(self, vehicle: Address) -> int:
        return self.session_lots[vehicle]

    @view
    def session_entry(self, vehicle: Address) -> int:
        return self.entries[vehicle]

    @view
    def deposit_of(self, vehicle: Address) -> int:
        return self.deposits[vehicle]

    @view
    def revenue(self) -> int:
        return self.revenue_total

    # -- internals -------------------------------------------------------------------------

    def _only_owner(self) -> None:
        require(msg.sender == self.owner, "only the owner")

    def _tariff(self, lot_id: int, grace: int, unit: int, rate: int, cap: int) -> None:
        require(unit > 0, "unit_seconds must be positive")
        require(grace >= 0 and rate >= 0 and cap >= 0, "tariff values cannot be negative")
        version = self.tariff_version[lot_id] + 1
        self.tariff_version[lot_id] = version
        self.grace[(lot_id, version)] = grace
        self.unit[(lot_id, version)] = unit
        self.rate[(lot_id, version)] = rate
        self.cap[(lot_id, version)] = cap

    def _fee(self, vehicle: Address, now: int) -> int:
        lot_id = self.session_lots[vehicle]
        version = self.session_versions[vehicle]
        duration = now - self.entries[vehicle]
        if duration <= self.grace[(lot_id, version)]:
            return 0
        unit = self.unit[(lot_id, version)]
        rate = self.rate[(lot_id, version)]
        cap = self.cap[(lot_id, version)]
        if cap == 0:
            return (duration + unit - 1) // unit * rate
        rest = duration % DAY
        return duration // DAY * cap + min(cap, (rest + unit - 1) // unit * rate)
