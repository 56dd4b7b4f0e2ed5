using GpuPool.Runtime.Leasing;
using Microsoft.Data.Sqlite;

namespace GpuPool.Runtime.Persistence;

internal sealed partial class SqliteLeaseJournal
{
    private const string DeviceSchema = """
        CREATE TABLE IF NOT EXISTS drained_devices (
            node TEXT NOT NULL,
            device TEXT NOT NULL,
            PRIMARY KEY (node, device)) WITHOUT ROWID;
        """;

    /// <inheritdoc />
    public void DrainingChanged(DrainedDevice device, bool draining)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            var command = Writable(draining ? _drain : _undrain);
            command.Parameters["$node"].Value = device.Node;
            command.Parameters["$device"].Value = device.DeviceId;
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                RuntimeLog.JournalDeviceWriteFailed(_logger, device.DeviceId, draining, ex);
                throw;
            }
        }
    }

    private void PrepareDeviceCommandsLocked()
    {
        _drain = Prepare("INSERT OR IGNORE INTO drained_devices (node, device) VALUES ($node, $device)", "$node", "$device");
        _undrain = Prepare("DELETE FROM drained_devices WHERE node = $node AND device = $device", "$node", "$device");
    }

    private List<DrainedDevice> ReadDrainedLocked()
    {
        var drained = new List<DrainedDevice>();
        using var select = _connection!.CreateCommand();
        select.CommandText = "SELECT node, device FROM drained_devices ORDER BY node, device";
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            drained.Add(new DrainedDevice(reader.GetString(0), reader.GetString(1)));
        }

        return drained;
    }
}
